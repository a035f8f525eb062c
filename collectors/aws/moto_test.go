package aws

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/envparity/envparity/snapshot"
)

const (
	prodAccount    = "111111111111"
	stagingAccount = "222222222222"
)

func roleARN(account string) string {
	return "arn:aws:iam::" + account + ":role/envparity-readonly"
}

// worldConfig is an SDK config acting in account through moto, loaded the
// same way the collector loads its own.
func worldConfig(t *testing.T, getenv map[string]string, profile, account string) aws.Config {
	t.Helper()
	ctx := context.Background()
	cfg, err := awsconfig.LoadDefaultConfig(ctx,
		awsconfig.WithSharedConfigProfile(profile),
		awsconfig.WithSharedConfigFiles([]string{getenv["AWS_CONFIG_FILE"]}),
		awsconfig.WithSharedCredentialsFiles([]string{getenv["AWS_SHARED_CREDENTIALS_FILE"]}))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), roleARN(account)))
	return cfg
}

// world is one environment's resources, created through the SDK.
type world struct {
	env            string
	multiAZ        bool
	replica        bool
	maxConnections string
	schedulerMax   int32
	dlq            bool
	featureSwitch  bool
}

func (w world) create(t *testing.T, cfg aws.Config) {
	t.Helper()
	ctx := context.Background()
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("create %s world: %s: %v", w.env, what, err)
		}
	}
	db := rds.NewFromConfig(cfg)
	pg := w.env + "-pg15"
	_, err := db.CreateDBParameterGroup(ctx, &rds.CreateDBParameterGroupInput{DBParameterGroupName: &pg, DBParameterGroupFamily: aws.String("postgres15"), Description: aws.String("orders")})
	must("parameter group", err)
	_, err = db.ModifyDBParameterGroup(ctx, &rds.ModifyDBParameterGroupInput{DBParameterGroupName: &pg, Parameters: []rdstypes.Parameter{
		{ParameterName: aws.String("max_connections"), ParameterValue: aws.String(w.maxConnections), ApplyMethod: rdstypes.ApplyMethodPendingReboot},
	}})
	must("parameters", err)
	_, err = db.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String(w.env + "-orders-db"), Engine: aws.String("postgres"), EngineVersion: aws.String("15.4"),
		DBInstanceClass: aws.String("db.t3.micro"), AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("orders"),
		MasterUserPassword: aws.String("not-a-real-password"), MultiAZ: aws.Bool(w.multiAZ), DBParameterGroupName: &pg,
		BackupRetentionPeriod: aws.Int32(7), Tags: []rdstypes.Tag{{Key: aws.String("service"), Value: aws.String("orders")}},
	})
	must("db instance", err)
	if w.replica {
		_, err = db.CreateDBInstanceReadReplica(ctx, &rds.CreateDBInstanceReadReplicaInput{
			DBInstanceIdentifier: aws.String(w.env + "-orders-db-replica"), SourceDBInstanceIdentifier: aws.String(w.env + "-orders-db"),
			DBInstanceClass: aws.String("db.t3.micro"),
		})
		must("read replica", err)
	}

	as := autoscaling.NewFromConfig(cfg)
	_, err = as.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{
		LaunchConfigurationName: aws.String(w.env + "-scheduler"), ImageId: aws.String("ami-12c6146b"), InstanceType: aws.String("t3.micro"),
	})
	must("launch configuration", err)
	_, err = as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(w.env + "-scheduler"), LaunchConfigurationName: aws.String(w.env + "-scheduler"),
		MinSize: aws.Int32(1), MaxSize: aws.Int32(w.schedulerMax), DesiredCapacity: aws.Int32(1), AvailabilityZones: []string{"eu-west-1a"},
	})
	must("auto scaling group", err)

	q := sqs.NewFromConfig(cfg)
	attrs := map[string]string{"VisibilityTimeout": "60"}
	if w.dlq {
		out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(w.env + "-orders-dlq")})
		must("dead-letter queue", err)
		a, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		must("dead-letter queue arn", err)
		attrs["RedrivePolicy"] = fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"5"}`, a.Attributes["QueueArn"])
	}
	_, err = q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(w.env + "-orders"), Attributes: attrs})
	must("queue", err)

	pm := ssm.NewFromConfig(cfg)
	put := func(name, value string, typ ssmtypes.ParameterType) {
		_, err := pm.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Type: typ})
		must("parameter "+name, err)
	}
	if w.featureSwitch {
		put("/"+w.env+"/features/new_checkout", "true", ssmtypes.ParameterTypeString)
	}
	put("/"+w.env+"/orders/db_password", "hunter2-"+w.env, ssmtypes.ParameterTypeSecureString)
	put("/"+w.env+"/orders/smtp_password", "plain-secret-"+w.env, ssmtypes.ParameterTypeString)
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
	world{env: "prod", multiAZ: true, replica: true, maxConnections: "400", schedulerMax: 1, dlq: true, featureSwitch: true}.
		create(t, worldConfig(t, direct, "prod", prodAccount))
	world{env: "staging", multiAZ: false, replica: false, maxConnections: "100", schedulerMax: 3}.
		create(t, worldConfig(t, direct, "staging", stagingAccount))

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
`, env, roleARN(account)))
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
	prod := collect("prod", prodAccount, []string{"prod", "production"})
	staging := collect("staging", stagingAccount, []string{"staging", "stg"})
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
	world{env: "tagged", multiAZ: false, maxConnections: "50", schedulerMax: 2}.create(t, cfg)
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
	for _, r := range res {
		names = append(names, r.Type+" "+r.Name)
	}
	if len(res) != 1 || res[0].Name != "tagged-orders-db" {
		t.Errorf("got %v, want only the tagged RDS instance", names)
	}
}
