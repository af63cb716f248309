package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// wire returns sr serialized as an HTTP/1.1 request, ready to be written
// to a connection again and again.
func (sr *signedRequest) wire() ([]byte, error) {
	u, err := url.Parse(sr.URL)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", sr.Method, u.RequestURI(), u.Host)
	if err := sr.Header.WriteSubset(&b, map[string]bool{"Host": true}); err != nil {
		return nil, err
	}
	if sr.Body != nil {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(sr.Body))
	}
	b.WriteString("\r\n")
	b.Write(sr.Body)
	return b.Bytes(), nil
}

// host returns the host:port sr is sent to.
func (sr *signedRequest) host() string {
	u, _ := url.Parse(sr.URL)
	return u.Host
}

// rawConn is one load worker's keep-alive connection: it writes a
// pre-serialized request and reads the response with net/http's parser,
// without the client Transport's per-connection goroutines.
type rawConn struct {
	addr  string
	req   []byte
	want  int // the status of a success
	dials *atomic.Int64
	conn  net.Conn
	br    *bufio.Reader
}

func (c *rawConn) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

// send sends the request, drains the response and reports whether its
// status was c.want. The connection is redialed when the server closes it.
func (c *rawConn) send(context.Context) (bool, string) {
	if c.conn == nil {
		conn, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
		if err != nil {
			return false, err.Error()
		}
		c.dials.Add(1)
		c.conn, c.br = conn, bufio.NewReaderSize(conn, 16<<10)
	}
	c.conn.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := c.conn.Write(c.req); err != nil {
		c.close()
		return false, err.Error()
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		c.close()
		return false, err.Error()
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		c.close()
	}
	if err != nil {
		return false, fmt.Sprintf("read body: %v", err)
	}
	if resp.StatusCode != c.want {
		return false, fmt.Sprintf("status %d, want %d", resp.StatusCode, c.want)
	}
	return true, ""
}
