package dbtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// PGPassword is the superuser password of every PostgreSQL test server.
const PGPassword = "pg-test-Secret-42"

// Postgres is a running PostgreSQL test server.
type Postgres struct {
	// Dir holds the data directory, the socket and the log.
	Dir string
	// Port is the TCP port on 127.0.0.1.
	Port int
	// User and Password of the superuser.
	User, Password string
	// Bin is the directory of the server binaries.
	Bin string
	// Standby is true for a replica.
	Standby bool

	proc *process
}

// PostgresBinDir finds the newest PostgreSQL server binaries: the highest
// /usr/lib/postgresql/<major>/bin holding initdb, postgres and
// pg_basebackup, else the directory of initdb on PATH.
func PostgresBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if hasAll(d, "initdb", "postgres", "pg_basebackup") {
			return d, nil
		}
	}
	p, err := lookBin("initdb")
	if err != nil {
		return "", fmt.Errorf("PostgreSQL (Debian package postgresql): %w", err)
	}
	p, _ = filepath.EvalSymlinks(p)
	d := filepath.Dir(p)
	if !hasAll(d, "initdb", "postgres", "pg_basebackup") {
		return "", fmt.Errorf("PostgreSQL: %s lacks postgres or pg_basebackup: %w", d, ErrNotInstalled)
	}
	return d, nil
}

func hasAll(dir string, names ...string) bool {
	for _, n := range names {
		if st, err := os.Stat(filepath.Join(dir, n)); err != nil || st.IsDir() {
			return false
		}
	}
	return true
}

// PGOptions configures a PostgreSQL test server.
type PGOptions struct {
	// Settings are appended to postgresql.conf (name → value, quoted as needed).
	Settings map[string]string
}

// StartPostgres initialises and starts a primary.
func StartPostgres(opts PGOptions) (*Postgres, error) {
	bin, err := PostgresBinDir()
	if err != nil {
		return nil, err
	}
	dir, err := makeDir("envparity-pg-")
	if err != nil {
		return nil, err
	}
	p := &Postgres{Dir: dir, User: "postgres", Password: PGPassword, Bin: bin}
	ok := false
	defer func() {
		if !ok {
			p.Stop()
		}
	}()
	pwfile := filepath.Join(dir, "pwfile")
	if err := writeFile(pwfile, PGPassword+"\n", 0o600); err != nil {
		return nil, err
	}
	if err := run(p.logPath(), nil, filepath.Join(bin, "initdb"), "-D", p.dataDir(), "-U", "postgres",
		"--pwfile="+pwfile, "--auth-local=trust", "--auth-host=scram-sha-256",
		"--encoding=UTF8", "--no-locale", "--no-sync"); err != nil {
		return nil, err
	}
	conf := map[string]string{
		"listen_addresses": "'127.0.0.1'",
		"wal_level":        "replica",
		"max_wal_senders":  "5",
		"fsync":            "off",
		"full_page_writes": "off",
		"shared_buffers":   "16MB",
		"max_connections":  "40",
		"log_min_messages": "warning",
	}
	for k, v := range opts.Settings {
		conf[k] = v
	}
	var b strings.Builder
	b.WriteString("\n# envparity dbtest\n")
	for _, k := range sortedKeys(conf) {
		fmt.Fprintf(&b, "%s = %s\n", k, conf[k])
	}
	f, err := os.OpenFile(filepath.Join(p.dataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	_, err = f.WriteString(b.String())
	f.Close()
	if err != nil {
		return nil, err
	}
	if err := p.start(); err != nil {
		return nil, err
	}
	ok = true
	return p, nil
}

// StartReplica makes a streaming replica of p with pg_basebackup, using a
// physical replication slot named slot (none when empty), and starts it.
func (p *Postgres) StartReplica(slot string) (*Postgres, error) {
	dir, err := makeDir("envparity-pg-replica-")
	if err != nil {
		return nil, err
	}
	r := &Postgres{Dir: dir, User: p.User, Password: p.Password, Bin: p.Bin, Standby: true}
	ok := false
	defer func() {
		if !ok {
			r.Stop()
		}
	}()
	// The password travels in a pgpass file, never on a command line.
	pgpass := filepath.Join(dir, "pgpass")
	if err := writeFile(pgpass, fmt.Sprintf("127.0.0.1:%d:*:%s:%s\n", p.Port, p.User, p.Password), 0o600); err != nil {
		return nil, err
	}
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(p.Port), "-U", p.User, "-D", r.dataDir(), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"}
	if slot != "" {
		args = append(args, "-C", "-S", slot)
	}
	if err := run(r.logPath(), []string{"PGPASSFILE=" + pgpass}, filepath.Join(p.Bin, "pg_basebackup"), args...); err != nil {
		return nil, err
	}
	// primary_conninfo written by -R names the pgpass file through passfile=.
	f, err := os.OpenFile(filepath.Join(r.dataDir(), "postgresql.auto.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	_, err = fmt.Fprintf(f, "hot_standby = on\n")
	f.Close()
	if err != nil {
		return nil, err
	}
	if err := r.start(); err != nil {
		return nil, err
	}
	// Wait until the primary sees it streaming.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		var n int
		err := p.QueryRow(ctx, "postgres", "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'", &n)
		if err == nil && n > 0 {
			break
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("replica did not start streaming: %v\n%s", err, tail(r.logPath()))
		}
		time.Sleep(100 * time.Millisecond)
	}
	ok = true
	return r, nil
}

func (p *Postgres) dataDir() string { return filepath.Join(p.Dir, "data") }
func (p *Postgres) logPath() string { return filepath.Join(p.Dir, "server.log") }

func (p *Postgres) start() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	p.Port = port
	p.proc, err = start(p.logPath(), filepath.Join(p.Bin, "postgres"), "-D", p.dataDir(), "-p", strconv.Itoa(port), "-c", "unix_socket_directories="+p.Dir)
	if err != nil {
		return err
	}
	return waitFor(p.proc, p.logPath(), 60*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, p.DSN("postgres"))
		if err != nil {
			return err
		}
		return c.Close(ctx)
	})
}

// DSN returns a URL for database db as the superuser over TCP.
func (p *Postgres) DSN(db string) string {
	return p.DSNAs(p.User, p.Password, db)
}

// DSNAs returns a URL for database db as user with password over TCP.
func (p *Postgres) DSNAs(user, password, db string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(user, password), Host: fmt.Sprintf("127.0.0.1:%d", p.Port), Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

// Exec runs SQL statements (separated by the caller as one string each) in db.
func (p *Postgres) Exec(ctx context.Context, db string, stmts ...string) error {
	c, err := pgx.Connect(ctx, p.DSN(db))
	if err != nil {
		return fmt.Errorf("connect to test server: %w", err)
	}
	defer c.Close(ctx)
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s); err != nil {
			return fmt.Errorf("exec %.80q: %w", s, err)
		}
	}
	return nil
}

// QueryRow runs a query in db and scans its one row into dest.
func (p *Postgres) QueryRow(ctx context.Context, db, sql string, dest ...any) error {
	c, err := pgx.Connect(ctx, p.DSN(db))
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	return c.QueryRow(ctx, sql).Scan(dest...)
}

// Stop shuts the server down (fast) and removes its directory.
func (p *Postgres) Stop() {
	if p == nil {
		return
	}
	p.proc.stop(syscall.SIGINT)
	if p.Dir != "" {
		os.RemoveAll(p.Dir)
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
