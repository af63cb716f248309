package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riversqlite"
)

// River's notification topic for "jobs were inserted into a queue", and
// its payload (river's internal/notifier and producer).
const (
	topicInsert = "river_insert"
)

// localDriver is riversqlite's driver with an in-process notification
// listener in place of its own.
//
// riversqlite emulates LISTEN/NOTIFY with a table that its listener polls
// every 50 ms: 20 queries a second on an idle node, most of what an idle
// pinfold spent (about 1.8% of a core). pinfold's River database belongs to
// one process (OpenSQLite locks it), so every insert that matters is made
// by this process: the Runner tells the listener after each insert
// (localDriver.inserted), and the listener hands River's notifier the
// insert notification at once, which wakes the queue's producer. Nothing
// polls a table. Notifications River writes itself (jobs made available by
// its scheduler after a snooze or a retry backoff, leadership and queue
// control, all within this one process) are not delivered: scheduled jobs
// are found by the producers' fetch poll (Config.FetchPollInterval), and a
// single process needs no leadership or control messages.
type localDriver struct {
	*riversqlite.Driver
	hub *wakeHub
}

// GetListener returns the in-process listener.
func (d *localDriver) GetListener(*riverdriver.GetListenenerParams) riverdriver.Listener {
	return &localListener{hub: d.hub}
}

// wakeHub carries insert notifications from the Runner to the listener.
type wakeHub struct {
	ch chan string // queue names; buffered, a full buffer drops (a wake is pending anyway)
}

func newWakeHub() *wakeHub { return &wakeHub{ch: make(chan string, 16)} }

// inserted tells the listener that jobs were committed to queue.
func (h *wakeHub) inserted(queue string) {
	select {
	case h.ch <- queue:
	default:
	}
}

// localListener implements riverdriver.Listener on a wakeHub.
type localListener struct {
	hub *wakeHub

	mu        sync.Mutex
	connected bool
	topics    map[string]bool
}

var _ riverdriver.Listener = (*localListener)(nil)

func (l *localListener) Close(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.connected, l.topics = false, nil
	return nil
}

func (l *localListener) Connect(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.connected {
		return errors.New("connection already established")
	}
	l.connected, l.topics = true, map[string]bool{}
	return nil
}

func (l *localListener) Listen(_ context.Context, topic string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.connected {
		return errors.New("listener is not connected")
	}
	l.topics[topic] = true
	return nil
}

func (l *localListener) Unlisten(_ context.Context, topic string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.connected {
		return errors.New("listener is not connected")
	}
	delete(l.topics, topic)
	return nil
}

func (l *localListener) Ping(context.Context) error { return nil }
func (l *localListener) Schema() string             { return "" }
func (l *localListener) SetAfterConnectExec(string) {}

// WaitForNotification blocks until the Runner reports an insert (delivered
// as River's insert notification when that topic is listened to) or ctx
// ends.
func (l *localListener) WaitForNotification(ctx context.Context) (*riverdriver.Notification, error) {
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case queue := <-l.hub.ch:
			l.mu.Lock()
			listening := l.topics[topicInsert]
			l.mu.Unlock()
			if !listening {
				continue
			}
			payload, _ := json.Marshal(struct {
				Queue string `json:"queue"`
			}{queue})
			return &riverdriver.Notification{Topic: topicInsert, Payload: string(payload)}, nil
		}
	}
}
