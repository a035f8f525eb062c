package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MariaDBPassword is the password of the "envparity" test user (all
// privileges, from 127.0.0.1) on every MariaDB test server.
const MariaDBPassword = "maria-test-Secret-42"

// MariaDB is a running MariaDB test server.
type MariaDB struct {
	// Dir holds the data directory, the socket and the log.
	Dir string
	// Port is the TCP port on 127.0.0.1.
	Port int
	// ServerID is the replication server id.
	ServerID int
	// Replica is true for a replica.
	Replica bool

	bin  string
	proc *process
}

// MariaDBBinaries finds mariadbd and mariadb-install-db.
func MariaDBBinaries() (server, installDB string, err error) {
	server, err = lookBin("mariadbd", "/usr/sbin", "/usr/libexec")
	if err != nil {
		return "", "", fmt.Errorf("MariaDB (Debian package mariadb-server): %w", err)
	}
	installDB, err = lookBin("mariadb-install-db", "/usr/bin", "/usr/scripts")
	if err != nil {
		return "", "", fmt.Errorf("MariaDB (Debian package mariadb-server): %w", err)
	}
	return server, installDB, nil
}

// MariaDBOptions configures a MariaDB test server.
type MariaDBOptions struct {
	// Args are extra mariadbd options such as "--max-connections=50".
	Args []string
}

// StartMariaDB initialises and starts a primary with binary logging and
// GTIDs, with a user envparity@127.0.0.1 (password MariaDBPassword).
func StartMariaDB(opts MariaDBOptions) (*MariaDB, error) {
	return startMariaDB(1, false, opts)
}

func startMariaDB(serverID int, replica bool, opts MariaDBOptions) (*MariaDB, error) {
	server, installDB, err := MariaDBBinaries()
	if err != nil {
		return nil, err
	}
	dir, err := makeDir("envparity-maria-")
	if err != nil {
		return nil, err
	}
	m := &MariaDB{Dir: dir, ServerID: serverID, Replica: replica, bin: server}
	ok := false
	defer func() {
		if !ok {
			m.Stop()
		}
	}()
	if err := run(m.logPath(), nil, installDB, "--no-defaults", "--datadir="+m.dataDir(),
		"--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	m.Port = port
	args := []string{"--no-defaults", "--datadir=" + m.dataDir(), "--port=" + strconv.Itoa(port),
		"--bind-address=127.0.0.1", "--socket=" + m.Socket(), "--pid-file=" + filepath.Join(dir, "mariadbd.pid"),
		"--log-error=" + m.logPath(), "--server-id=" + strconv.Itoa(serverID), "--log-bin=mariadb-bin",
		"--binlog-format=ROW", "--skip-name-resolve", "--innodb-buffer-pool-size=16M",
		"--innodb-log-file-size=8M", "--innodb-flush-log-at-trx-commit=2", "--sync-binlog=0",
		"--report-host=127.0.0.1", "--report-port=" + strconv.Itoa(port), "--max-connections=40",
		"--performance-schema=OFF"}
	args = append(args, opts.Args...)
	m.proc, err = start(filepath.Join(dir, "stdout.log"), server, args...)
	if err != nil {
		return nil, err
	}
	if err := waitFor(m.proc, m.logPath(), 60*time.Second, func() error {
		db, err := m.rootDB()
		if err != nil {
			return err
		}
		defer db.Close()
		return db.Ping()
	}); err != nil {
		return nil, err
	}
	ctx := context.Background()
	if !m.Replica {
		if err := m.Exec(ctx,
			"CREATE USER 'envparity'@'127.0.0.1' IDENTIFIED BY '"+MariaDBPassword+"'",
			"GRANT ALL PRIVILEGES ON *.* TO 'envparity'@'127.0.0.1' WITH GRANT OPTION",
			"CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'repl-"+MariaDBPassword+"'",
			"GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'",
		); err != nil {
			return nil, err
		}
	}
	ok = true
	return m, nil
}

// StartReplica starts a new server replicating from m with GTIDs
// (MASTER_USE_GTID=slave_pos) and waits until both replication threads run.
func (m *MariaDB) StartReplica() (*MariaDB, error) {
	r, err := startMariaDB(m.ServerID+100, true, MariaDBOptions{Args: []string{"--read-only=ON"}})
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if err := r.Exec(ctx,
		fmt.Sprintf("CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=%d, MASTER_USER='repl', MASTER_PASSWORD='repl-%s', MASTER_USE_GTID=slave_pos", m.Port, MariaDBPassword),
		"START SLAVE",
	); err != nil {
		r.Stop()
		return nil, err
	}
	// The replica replays the primary's binary log from the start, which
	// creates the envparity user there too.
	deadline := time.Now().Add(30 * time.Second)
	for {
		db, err := r.rootDB()
		if err == nil {
			var n int
			err = db.QueryRowContext(ctx, "SELECT COUNT(*) FROM mysql.user WHERE user = 'envparity'").Scan(&n)
			db.Close()
			if err == nil && n == 1 {
				var ioRunning, sqlRunning string
				ioRunning, sqlRunning, err = r.threads(ctx)
				if err == nil && ioRunning == "Yes" && sqlRunning == "Yes" {
					if err = r.SyncWith(ctx, m); err == nil {
						return r, nil
					}
				}
			}
		}
		if time.Now().After(deadline) {
			r.Stop()
			return nil, fmt.Errorf("replica did not start replicating: %v\n%s", err, tail(r.logPath()))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// SyncWith waits until replica r has applied everything primary p has
// written to its binary log so far.
func (r *MariaDB) SyncWith(ctx context.Context, p *MariaDB) error {
	var pos string
	if err := p.QueryRow(ctx, "SELECT @@global.gtid_binlog_pos", &pos); err != nil {
		return err
	}
	var res sql.NullInt64
	if err := r.QueryRow(ctx, fmt.Sprintf("SELECT MASTER_GTID_WAIT('%s', 30)", pos), &res); err != nil {
		return err
	}
	if !res.Valid || res.Int64 != 0 {
		return fmt.Errorf("replica did not reach the primary's GTID position %s within 30s", pos)
	}
	return nil
}

func (m *MariaDB) threads(ctx context.Context) (io, sqlThread string, err error) {
	db, err := m.rootDB()
	if err != nil {
		return "", "", err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SHOW SLAVE STATUS")
	if err != nil {
		return "", "", err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	if !rows.Next() {
		return "", "", fmt.Errorf("no slave status")
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return "", "", err
	}
	for i, c := range cols {
		switch c {
		case "Slave_IO_Running":
			io = vals[i].String
		case "Slave_SQL_Running":
			sqlThread = vals[i].String
		}
	}
	return io, sqlThread, nil
}

// Socket is the server's unix socket.
func (m *MariaDB) Socket() string { return filepath.Join(m.Dir, "mariadbd.sock") }

func (m *MariaDB) dataDir() string { return filepath.Join(m.Dir, "data") }
func (m *MariaDB) logPath() string { return filepath.Join(m.Dir, "error.log") }

func (m *MariaDB) rootDB() (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User = "root"
	cfg.Net = "unix"
	cfg.Addr = m.Socket()
	cfg.MultiStatements = true
	return sql.Open("mysql", cfg.FormatDSN())
}

// DSN returns a go-sql-driver DSN for database db as the envparity user over TCP.
func (m *MariaDB) DSN(db string) string {
	return m.DSNAs("envparity", MariaDBPassword, db)
}

// DSNAs returns a go-sql-driver DSN for database db as user with password over TCP.
func (m *MariaDB) DSNAs(user, password, db string) string {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd = user, password
	cfg.Net, cfg.Addr = "tcp", fmt.Sprintf("127.0.0.1:%d", m.Port)
	cfg.DBName = db
	return cfg.FormatDSN()
}

// Exec runs statements as root over the unix socket.
func (m *MariaDB) Exec(ctx context.Context, stmts ...string) error {
	db, err := m.rootDB()
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("exec %.80q: %w", s, err)
		}
	}
	return nil
}

// QueryRow runs a query as root and scans its one row into dest.
func (m *MariaDB) QueryRow(ctx context.Context, query string, dest ...any) error {
	db, err := m.rootDB()
	if err != nil {
		return err
	}
	defer db.Close()
	return db.QueryRowContext(ctx, query).Scan(dest...)
}

// Stop shuts the server down and removes its directory.
func (m *MariaDB) Stop() {
	if m == nil {
		return
	}
	m.proc.stop(syscall.SIGTERM)
	if m.Dir != "" {
		os.RemoveAll(m.Dir)
	}
}
