// Package postgres is the "postgres" source kind: it looks inside a
// PostgreSQL server over an ordinary read-only connection and states facts
// about its version and role, replication topology, settings, connections,
// extensions, schema, migrations and data shape.
//
// Every query runs in one READ ONLY transaction with a statement timeout.
// The DSN is read from the environment variable named by dsn_env and never
// appears in a resource, an error or a log line.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/envparity/envparity/collectors"
	"github.com/envparity/envparity/collectors/internal/dbcommon"
	"github.com/envparity/envparity/config"
	"github.com/envparity/envparity/snapshot"
)

// Kind registers the collector.
var Kind = collectors.Kind{
	Name:       "postgres",
	Summary:    "PostgreSQL: version, replication, settings, connections, extensions, schema, migrations, data shape (read-only)",
	New:        New,
	Restricted: &collectors.Restriction{Pinned: []string{"dsn_env"}, Safe: []string{"schemas", "exclude_tables", "timeout", "probes"}},
	Options:    options{},
}

// DefaultTimeout bounds a whole collection when the source sets no timeout.
const DefaultTimeout = 30 * time.Second

type options struct {
	DSNEnv        string          `yaml:"dsn_env" required:"the environment variable holding the DSN (the DSN itself never goes in the config)"`
	Schemas       []string        `yaml:"schemas"`
	ExcludeTables []string        `yaml:"exclude_tables"`
	Timeout       config.Duration `yaml:"timeout"`
	// Probes count real-looking personal data in chosen columns (counts only).
	Probes []dbcommon.ProbeConfig `yaml:"probes"`
}

// Collector collects one PostgreSQL database.
type Collector struct {
	name    string
	dsnEnv  string
	schemas []string
	exclude []string
	timeout time.Duration
	probes  []dbcommon.Probe
	red     *snapshot.Redactor
	getenv  func(string) string
}

var _ collectors.Collector = (*Collector)(nil)

// New validates the source's options; it contacts nothing.
func New(src config.Source, deps collectors.Deps) (collectors.Collector, error) {
	var o options
	if err := src.Decode(&o); err != nil {
		return nil, err
	}
	if o.DSNEnv == "" {
		return nil, src.Errorf("dsn_env", "missing: the environment variable holding the DSN (the DSN itself never goes in the config)")
	}
	for i, s := range o.Schemas {
		if strings.TrimSpace(s) == "" {
			return nil, src.Errorf("schemas", "schemas[%d] is empty", i)
		}
	}
	for i, g := range o.ExcludeTables {
		if _, err := path.Match(g, ""); err != nil || g == "" {
			return nil, src.Errorf("exclude_tables", "exclude_tables[%d]: %q is not a valid glob", i, g)
		}
	}
	getenv := deps.Getenv
	if getenv == nil {
		return nil, errors.New("postgres collector needs deps.Getenv")
	}
	probes, err := dbcommon.ValidateProbes(src, o.Probes)
	if err != nil {
		return nil, err
	}
	c := &Collector{name: src.Name, dsnEnv: o.DSNEnv, schemas: o.Schemas, exclude: o.ExcludeTables, timeout: time.Duration(o.Timeout),
		probes: probes, red: deps.Redactor, getenv: getenv}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	return c, nil
}

// Collect connects, collects every fact in one read-only transaction and
// disconnects.
func (c *Collector) Collect(ctx context.Context) ([]snapshot.Resource, error) {
	dsn := c.getenv(c.dsnEnv)
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	conn, tx, err := c.begin(ctx, dsn)
	if err != nil {
		return nil, scrub(err, dsn)
	}
	defer conn.Close(context.Background())
	defer tx.Rollback(context.Background())
	res, err := c.collect(ctx, tx)
	if err != nil {
		return res, scrub(err, dsn)
	}
	return res, nil
}

// begin connects and opens the read-only transaction every query runs in.
func (c *Collector) begin(ctx context.Context, dsn string) (*pgx.Conn, pgx.Tx, error) {
	if strings.TrimSpace(dsn) == "" {
		return nil, nil, fmt.Errorf("environment variable %s (dsn_env) is empty or unset", c.dsnEnv)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// The parser's message may quote the DSN; withhold it.
		return nil, nil, fmt.Errorf("the DSN in %s cannot be parsed (details withheld: a DSN may hold a password)", c.dsnEnv)
	}
	cfg.ConnectTimeout = c.timeout
	cfg.RuntimeParams["application_name"] = "envparity"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, nil, connectError(err, c.dsnEnv)
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		conn.Close(context.Background())
		return nil, nil, fmt.Errorf("begin read-only transaction: %w", err)
	}
	ms := c.timeout.Milliseconds()
	if ms < 1 {
		ms = 1
	}
	// search_path = pg_catalog makes every printed name schema-qualified,
	// the same whatever the role's own search_path is.
	for _, q := range []string{
		fmt.Sprintf("SET LOCAL statement_timeout = %d", ms),
		"SET LOCAL lock_timeout = 1000",
		"SET LOCAL search_path = pg_catalog",
		// The first query takes the snapshot: from then on the access
		// mode can no longer be changed to READ WRITE.
		"SELECT 1",
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			tx.Rollback(context.Background())
			conn.Close(context.Background())
			return nil, nil, fmt.Errorf("prepare read-only transaction: %w", err)
		}
	}
	return conn, tx, nil
}

// scrub removes the DSN and its password from err's message.
func scrub(err error, dsn string) error {
	if err == nil {
		return nil
	}
	secrets := []string{dsn}
	if cfg, perr := pgx.ParseConfig(dsn); perr == nil && cfg.Password != "" {
		secrets = append(secrets, cfg.Password)
	}
	return dbcommon.Scrub(err, secrets...)
}

// excluded reports whether a table matches one of the exclude_tables globs,
// as schema.table or as the bare table name.
func (c *Collector) excluded(schema, table string) bool {
	return dbcommon.Excluded(c.exclude, schema, table)
}

func (c *Collector) key(parts ...string) string {
	return c.name + "/" + strings.Join(parts, "/")
}
