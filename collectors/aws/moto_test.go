package aws

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/envparity/envparity/collectors/aws/awstest"
	"github.com/envparity/envparity/snapshot"
)

// worldConfig is an SDK config acting in account through moto.
func worldConfig(t *testing.T, getenv map[string]string, profile, account string) aws.Config {
	t.Helper()
	cfg, err := awstest.Config(context.Background(), getenv["AWS_CONFIG_FILE"], getenv["AWS_SHARED_CREDENTIALS_FILE"], profile, account)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func createWorld(t *testing.T, w awstest.World, cfg aws.Config) {
	t.Helper()
	if err := w.Create(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
}

// attr reads a dotted attribute path as text ("" when absent).
func attr(r snapshot.Resource, path string) string {
	var v any = r.Attrs
	for _, p := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		if v, ok = m[p]; !ok {
			return ""
		}
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// TestMotoProdAndStaging builds a prod world (RDS primary with a read
// replica and Multi-AZ, a singleton ASG, a queue with a DLQ, a feature
// switch) and a staging world without them in two accounts of one
// moto_server, collects both through the real SDK (profiles with
// endpoint_url, role_arn assumed on top), and checks the facts that the
// rules judge. All collector traffic goes through a recording proxy that
// proves only read-only operations were sent.
func TestMotoProdAndStaging(t *testing.T) {
	moto := startMoto(t)
	direct := writeProfiles(t, moto, "prod", "staging")
	createWorld(t, awstest.Prod, worldConfig(t, direct, "prod", awstest.ProdAccount))
	createWorld(t, awstest.Staging, worldConfig(t, direct, "staging", awstest.StagingAccount))

	rec := newRecorder(t, moto)
	getenv := writeProfiles(t, rec.srv.URL, "prod", "staging")
	collect := func(env, account string, tokens []string) map[string]snapshot.Resource {
		c := newTestCollector(t, env, tokens, getenv, fmt.Sprintf(`
name: aws
kind: aws
profile: %s
role_arn: %s
regions: [eu-west-1]
# moto 5.2 does not speak CloudWatch's rpc-v2-cbor protocol; the fake covers it.
services: [autoscaling, dynamodb, ec2, ecs, elasticache, elasticbeanstalk, elbv2, lambda, rds, s3, sqs, ssm]
timeout: 2m
`, env, awstest.RoleARN(account)))
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		res, err := c.Collect(ctx)
		if err != nil {
			t.Fatalf("collect %s: %v", env, err)
		}
		for i := range res {
			if err := snapshot.ValidateResource(&res[i]); err != nil {
				t.Errorf("%s: invalid resource %s %s: %v", env, res[i].Type, res[i].Name, err)
			}
		}
		return byTypeName(res)
	}
	prod := collect("prod", awstest.ProdAccount, []string{"prod", "production"})
	staging := collect("staging", awstest.StagingAccount, []string{"staging", "stg"})
	assertReadOnly(t, rec.operations())

	tests := []struct {
		name, env, res, path, want string
	}{
		{"prod primary is multi-AZ", "prod", "aws.rds.instance prod-orders-db", "multi_az", "true"},
		{"prod primary has a replica", "prod", "aws.rds.instance prod-orders-db", "read_replicas", "1"},
		{"prod primary role", "prod", "aws.rds.instance prod-orders-db", "role", "primary"},
		{"engine", "prod", "aws.rds.instance prod-orders-db", "engine", "postgres"},
		{"engine version is a string", "prod", "aws.rds.instance prod-orders-db", "engine_version", "15.4"},
		{"user-modified parameter", "prod", "aws.rds.instance prod-orders-db", "parameters.max_connections", "400"},
		{"parameter group without tokens", "prod", "aws.rds.instance prod-orders-db", "parameter_group", "pg15"},
		{"replica is its own resource", "prod", "aws.rds.instance prod-orders-db-replica", "role", "replica"},
		{"replica names its source without tokens", "prod", "aws.rds.instance prod-orders-db-replica", "replica_source", "orders-db"},
		{"singleton scheduler", "prod", "aws.autoscaling.group prod-scheduler", "max_size", "1"},
		{"scheduler instances grouped", "prod", "aws.ec2.instance_group prod-scheduler", "count", "1"},
		{"queue has a DLQ", "prod", "aws.sqs.queue prod-orders", "dead_letter_queue", "true"},
		{"DLQ max receive count", "prod", "aws.sqs.queue prod-orders", "max_receive_count", "5"},
		{"DLQ target without tokens", "prod", "aws.sqs.queue prod-orders", "dead_letter_target", "orders-dlq"},
		{"visibility timeout", "prod", "aws.sqs.queue prod-orders", "visibility_timeout_seconds", "60"},
		{"feature switch value", "prod", "aws.ssm.parameter /prod/features/new_checkout", "value", "true"},
		{"secure string never read", "prod", "aws.ssm.parameter /prod/orders/db_password", "value", ""},
		{"secure string type", "prod", "aws.ssm.parameter /prod/orders/db_password", "type", "SecureString"},
		{"staging primary single-AZ", "staging", "aws.rds.instance staging-orders-db", "multi_az", "false"},
		{"staging primary without replicas", "staging", "aws.rds.instance staging-orders-db", "read_replicas", "0"},
		{"staging parameter", "staging", "aws.rds.instance staging-orders-db", "parameters.max_connections", "100"},
		{"staging scheduler not a singleton", "staging", "aws.autoscaling.group staging-scheduler", "max_size", "3"},
		{"staging queue without DLQ", "staging", "aws.sqs.queue staging-orders", "dead_letter_queue", "false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := prod
			if tt.env == "staging" {
				m = staging
			}
			r, ok := m[tt.res]
			if !ok {
				t.Fatalf("%s: no resource %q", tt.env, tt.res)
			}
			if got := attr(r, tt.path); got != tt.want {
				t.Errorf("%s %s: got %q, want %q (attrs %v)", tt.res, tt.path, got, tt.want, r.Attrs)
			}
		})
	}
	for _, absent := range []string{"aws.rds.instance staging-orders-db-replica", "aws.ssm.parameter /staging/features/new_checkout", "aws.sqs.queue staging-orders-dlq"} {
		if _, ok := staging[absent]; ok {
			t.Errorf("staging: unexpected %s", absent)
		}
	}
	// A plain String whose name says it is a secret is fingerprinted.
	if v := attr(prod["aws.ssm.parameter /prod/orders/smtp_password"], "value"); !snapshot.IsFingerprint(v) {
		t.Errorf("smtp_password stored as String: got %q, want a fingerprint", v)
	}
	if got := prod["aws.rds.instance prod-orders-db"].Tags["service"]; got != "orders" {
		t.Errorf("tags: got %q", got)
	}
	if _, ok := staging["aws.rds.instance prod-orders-db"]; ok {
		t.Error("staging sees prod's account")
	}
}

// TestMotoTagFilter: only resources carrying the source's tags are kept.
func TestMotoTagFilter(t *testing.T) {
	moto := startMoto(t)
	getenv := writeProfiles(t, moto, "tagged")
	cfg := worldConfig(t, getenv, "tagged", "333333333333")
	createWorld(t, awstest.World{Env: "tagged", MaxConnections: "50", SchedulerMax: 2}, cfg)
	c := newTestCollector(t, "tagged", []string{"tagged"}, getenv, `
name: aws
kind: aws
profile: tagged
role_arn: arn:aws:iam::333333333333:role/envparity-readonly
regions: [eu-west-1]
services: [rds, sqs]
tags: {service: orders}
`)
	res, err := c.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var kept []snapshot.Resource
	for _, r := range res {
		names = append(names, r.Type+" "+r.Name)
		if r.Type != TypeAccount { // the source's own account is always stated
			kept = append(kept, r)
		}
	}
	if len(kept) != 1 || kept[0].Name != "tagged-orders-db" {
		t.Errorf("got %v, want only the tagged RDS instance", names)
	}
}
