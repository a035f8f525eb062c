package postgres

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// connectError describes a failed connection by its most relevant cause.
// pgx tries each address, and with sslmode=prefer (the default) TLS then
// plain text, and reports every attempt: a missing database read as "tls
// error: server refused TLS connection" first, and a closed port said
// "connection refused" once per attempt. The answer of a server (a missing
// database, a wrong password) outranks a failure to reach one; a TLS
// refusal followed by another attempt is left out; repeated causes are
// said once. dsnEnv names where the DSN came from; the DSN itself is never
// quoted.
func connectError(err error, dsnEnv string) error {
	var ce *pgconn.ConnectError
	if !errors.As(err, &ce) {
		return fmt.Errorf("connect (DSN from $%s): %w", dsnEnv, err)
	}
	as := fmt.Sprintf("as user %s, database %s (DSN from $%s)", ce.Config.User, ce.Config.Database, dsnEnv)
	attempts := []error{errors.Unwrap(ce)}
	if j, ok := attempts[0].(interface{ Unwrap() []error }); ok {
		attempts = j.Unwrap()
	}
	type cause struct{ addr, text string }
	var answered, others, tls []cause
	seen := map[string]bool{}
	for _, a := range attempts {
		if a == nil {
			continue
		}
		c := cause{text: a.Error()}
		if inner := errors.Unwrap(a); inner != nil {
			// perDialConnectError: "ADDRESS (HOST): CAUSE".
			c.addr = strings.TrimSuffix(a.Error(), ": "+inner.Error())
			c.text = inner.Error()
			if addr, host, ok := strings.Cut(strings.TrimSuffix(c.addr, ")"), " ("); ok && strings.HasPrefix(addr, host+":") {
				c.addr = addr // "127.0.0.1:5432 (127.0.0.1)" says the host twice
			}
		}
		var pgErr *pgconn.PgError
		var opErr *net.OpError
		switch {
		case errors.As(a, &pgErr):
			c.text = fmt.Sprintf("%s (%s, SQLSTATE %s)", pgErr.Message, pgErr.Severity, pgErr.Code)
		case errors.As(a, &opErr) && opErr.Op == "dial":
			// "dial error: dial tcp ADDR: connect: connection refused"
			// says the address twice: the innermost cause is the news.
			inner := error(opErr)
			for u := errors.Unwrap(inner); u != nil; u = errors.Unwrap(inner) {
				inner = u
			}
			c.text = inner.Error()
		}
		if seen[c.addr+"\x00"+c.text] {
			continue
		}
		seen[c.addr+"\x00"+c.text] = true
		switch {
		case pgErr != nil:
			answered = append(answered, c)
		case strings.HasPrefix(c.text, "tls error: server refused TLS"):
			tls = append(tls, c)
		default:
			others = append(others, c)
		}
	}
	pick := answered
	if len(pick) == 0 {
		pick = others
	}
	if len(pick) == 0 {
		pick = tls
	}
	var msg string
	switch {
	case len(pick) == 0:
		return fmt.Errorf("cannot connect %s: %w", as, err)
	case len(pick) == 1 && pick[0].addr != "":
		msg = fmt.Sprintf("cannot connect to %s %s: %s", pick[0].addr, as, pick[0].text)
	default:
		var parts []string
		for _, c := range pick {
			if c.addr != "" {
				parts = append(parts, c.addr+": "+c.text)
			} else {
				parts = append(parts, c.text)
			}
		}
		msg = fmt.Sprintf("cannot connect %s: %s", as, strings.Join(parts, "; "))
	}
	return &connErr{msg: msg, cause: err}
}

// connErr keeps the driver's error for errors.As while saying only what matters.
type connErr struct {
	msg   string
	cause error
}

func (e *connErr) Error() string { return e.msg }
func (e *connErr) Unwrap() error { return e.cause }
