package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"

	"github.com/pinfold/pinfold/sigv4"
)

var accountRe = regexp.MustCompile(`^[0-9]{12}$`)

// credentialsFile is the format of --credentials-file.
type credentialsFile struct {
	Credentials []struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		AccountID       string `json:"account_id"`
	} `json:"credentials"`
}

// loadCredentials combines --credentials entries (ACCESS_KEY:SECRET:ACCOUNT)
// and the JSON file into one table keyed by access key ID. With none
// configured it returns the conventional local pair test/test for account
// 000000000000, and only when listen is a loopback address.
func loadCredentials(entries []string, file, listen string) (map[string]sigv4.Credential, error) {
	creds := map[string]sigv4.Credential{}
	add := func(c sigv4.Credential, where string) error {
		if c.AccessKeyID == "" || c.SecretAccessKey == "" {
			return fmt.Errorf("%s: access key ID and secret are required", where)
		}
		if !accountRe.MatchString(c.Account) {
			return fmt.Errorf("%s: account ID %q must be 12 digits", where, c.Account)
		}
		if _, dup := creds[c.AccessKeyID]; dup {
			return fmt.Errorf("%s: access key %q is configured twice", where, c.AccessKeyID)
		}
		creds[c.AccessKeyID] = c
		return nil
	}
	for i, e := range entries {
		parts := strings.Split(e, ":")
		if len(parts) != 3 {
			return nil, fmt.Errorf("--credentials entry %d: want ACCESS_KEY:SECRET:ACCOUNT", i+1)
		}
		if err := add(sigv4.Credential{AccessKeyID: parts[0], SecretAccessKey: parts[1], Account: parts[2]}, fmt.Sprintf("--credentials entry %d", i+1)); err != nil {
			return nil, err
		}
	}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read credentials file: %w", err)
		}
		var f credentialsFile
		if err := json.Unmarshal(b, &f); err != nil {
			return nil, fmt.Errorf("parse credentials file %s: %w", file, err)
		}
		for i, c := range f.Credentials {
			if err := add(sigv4.Credential{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, Account: c.AccountID}, fmt.Sprintf("%s entry %d", file, i+1)); err != nil {
				return nil, err
			}
		}
	}
	if len(creds) > 0 {
		return creds, nil
	}
	if !isLoopback(listen) {
		return nil, fmt.Errorf("no credentials configured: the default test/test pair is only allowed on a loopback address, and %q is not one; set --credentials or --credentials-file", listen)
	}
	creds["test"] = sigv4.Credential{AccessKeyID: "test", SecretAccessKey: "test", Account: "000000000000"}
	return creds, nil
}

// isLoopback reports whether the listen address binds only loopback
// interfaces. An empty host (all interfaces) is not loopback.
func isLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
