// Package awstest starts moto_server (an AWS emulator) for tests and builds
// the prod and staging worlds that the aws collector's tests and the CLI's
// aws scripts audit. It is test support: nothing in envparity imports it
// outside tests.
package awstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
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
)

// ErrNoMoto means moto_server is not installed.
var ErrNoMoto = errors.New("moto_server is not installed")

// Require skips the test when err is ErrNoMoto (failing it instead under
// CI=true, so CI cannot go green by skipping) and fails it on any other error.
func Require(t testing.TB, err error) {
	t.Helper()
	switch {
	case err == nil:
	case errors.Is(err, ErrNoMoto) && os.Getenv("CI") != "true":
		t.Skipf("%v (CI=true would fail here)", err)
	default:
		t.Fatal(err)
	}
}

// Moto is a running moto_server.
type Moto struct {
	URL string
	cmd *exec.Cmd
	out *bytes.Buffer
}

// motoBinary finds moto_server: $MOTO_SERVER when set, then PATH, then the
// pyenv shim directory under $HOME (pip installs it there without touching PATH
// for non-interactive shells).
func motoBinary() (string, error) {
	if b := os.Getenv("MOTO_SERVER"); b != "" {
		return exec.LookPath(b)
	}
	if b, err := exec.LookPath("moto_server"); err == nil {
		return b, nil
	}
	if home, err := os.UserHomeDir(); err == nil {
		b := filepath.Join(home, ".pyenv", "shims", "moto_server")
		if _, err := os.Stat(b); err == nil {
			return b, nil
		}
	}
	return "", ErrNoMoto
}

// StartMoto starts moto_server on a free loopback port and waits until it answers.
func StartMoto() (*Moto, error) {
	bin, err := motoBinary()
	if err != nil {
		return nil, ErrNoMoto
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	m := &Moto{URL: fmt.Sprintf("http://127.0.0.1:%d", port), out: &bytes.Buffer{}}
	m.cmd = exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	m.cmd.Stdout, m.cmd.Stderr = m.out, m.out
	if err := m.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto_server: %w", err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(m.URL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return m, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	m.Stop()
	return nil, fmt.Errorf("moto_server did not answer on %s within 60s: %s", m.URL, m.out.String())
}

// Stop stops the server (and its process group).
func (m *Moto) Stop() {
	if m == nil || m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = m.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// Accounts of the two worlds; profiles assume a role in them (moto keeps
// one state per account).
const (
	ProdAccount    = "111111111111"
	StagingAccount = "222222222222"
)

// RoleARN is the read-only role the collector assumes in account.
func RoleARN(account string) string {
	return "arn:aws:iam::" + account + ":role/envparity-readonly"
}

// WriteProfiles writes a shared config file into dir with one profile per
// name (static test keys AKIDTEST<NAME>, region eu-west-1, endpoint_url
// endpoint) and an empty credentials file, and returns their paths.
func WriteProfiles(dir, endpoint string, names ...string) (configFile, credentialsFile string, err error) {
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "[profile %s]\nregion = eu-west-1\naws_access_key_id = AKIDTEST%s\naws_secret_access_key = test-secret\nendpoint_url = %s\n\n", n, strings.ToUpper(n), endpoint)
	}
	configFile = filepath.Join(dir, "aws-config")
	credentialsFile = filepath.Join(dir, "aws-credentials")
	if err := os.WriteFile(configFile, []byte(b.String()), 0o600); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(credentialsFile, nil, 0o600); err != nil {
		return "", "", err
	}
	return configFile, credentialsFile, nil
}

// Config is an SDK config acting in account through the profile, loaded
// the way the collector loads its own (shared files, role assumed on top).
func Config(ctx context.Context, configFile, credentialsFile, profile, account string) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx,
		awsconfig.WithSharedConfigProfile(profile),
		awsconfig.WithSharedConfigFiles([]string{configFile}),
		awsconfig.WithSharedCredentialsFiles([]string{credentialsFile}))
	if err != nil {
		return aws.Config{}, err
	}
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), RoleARN(account)))
	return cfg, nil
}

// World is one environment's resources.
type World struct {
	Env            string
	MultiAZ        bool
	Replica        bool
	MaxConnections string
	SchedulerMax   int32
	DLQ            bool
	FeatureSwitch  bool
}

// Prod is production: a Multi-AZ Postgres primary with a read replica, a
// singleton scheduler group, a queue with a dead-letter queue, a feature switch.
var Prod = World{Env: "prod", MultiAZ: true, Replica: true, MaxConnections: "400", SchedulerMax: 1, DLQ: true, FeatureSwitch: true}

// Staging lacks all of that: single-AZ, no replica, a scheduler that may
// scale to 3, no dead-letter queue, no feature switch, a lower connection limit.
var Staging = World{Env: "staging", MultiAZ: false, Replica: false, MaxConnections: "100", SchedulerMax: 3}

var createMu sync.Mutex

// Create builds the world through the SDK.
func (w World) Create(ctx context.Context, cfg aws.Config) error {
	createMu.Lock()
	defer createMu.Unlock()
	wrap := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("create %s world: %s: %w", w.Env, what, err)
		}
		return nil
	}
	db := rds.NewFromConfig(cfg)
	pg := w.Env + "-pg15"
	if _, err := db.CreateDBParameterGroup(ctx, &rds.CreateDBParameterGroupInput{DBParameterGroupName: &pg, DBParameterGroupFamily: aws.String("postgres15"), Description: aws.String("orders")}); err != nil {
		return wrap("parameter group", err)
	}
	if _, err := db.ModifyDBParameterGroup(ctx, &rds.ModifyDBParameterGroupInput{DBParameterGroupName: &pg, Parameters: []rdstypes.Parameter{
		{ParameterName: aws.String("max_connections"), ParameterValue: aws.String(w.MaxConnections), ApplyMethod: rdstypes.ApplyMethodPendingReboot},
	}}); err != nil {
		return wrap("parameters", err)
	}
	if _, err := db.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{
		DBInstanceIdentifier: aws.String(w.Env + "-orders-db"), Engine: aws.String("postgres"), EngineVersion: aws.String("15.4"),
		DBInstanceClass: aws.String("db.t3.micro"), AllocatedStorage: aws.Int32(20), MasterUsername: aws.String("orders"),
		MasterUserPassword: aws.String("not-a-real-password"), MultiAZ: aws.Bool(w.MultiAZ), DBParameterGroupName: &pg,
		BackupRetentionPeriod: aws.Int32(7), Tags: []rdstypes.Tag{{Key: aws.String("service"), Value: aws.String("orders")}},
	}); err != nil {
		return wrap("db instance", err)
	}
	if w.Replica {
		if _, err := db.CreateDBInstanceReadReplica(ctx, &rds.CreateDBInstanceReadReplicaInput{
			DBInstanceIdentifier: aws.String(w.Env + "-orders-db-replica"), SourceDBInstanceIdentifier: aws.String(w.Env + "-orders-db"),
			DBInstanceClass: aws.String("db.t3.micro"),
		}); err != nil {
			return wrap("read replica", err)
		}
	}

	as := autoscaling.NewFromConfig(cfg)
	if _, err := as.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{
		LaunchConfigurationName: aws.String(w.Env + "-scheduler"), ImageId: aws.String("ami-12c6146b"), InstanceType: aws.String("t3.micro"),
	}); err != nil {
		return wrap("launch configuration", err)
	}
	if _, err := as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(w.Env + "-scheduler"), LaunchConfigurationName: aws.String(w.Env + "-scheduler"),
		MinSize: aws.Int32(1), MaxSize: aws.Int32(w.SchedulerMax), DesiredCapacity: aws.Int32(1), AvailabilityZones: []string{"eu-west-1a"},
	}); err != nil {
		return wrap("auto scaling group", err)
	}

	q := sqs.NewFromConfig(cfg)
	attrs := map[string]string{"VisibilityTimeout": "60"}
	if w.DLQ {
		out, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(w.Env + "-orders-dlq")})
		if err != nil {
			return wrap("dead-letter queue", err)
		}
		a, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			return wrap("dead-letter queue arn", err)
		}
		attrs["RedrivePolicy"] = fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"5"}`, a.Attributes["QueueArn"])
	}
	if _, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(w.Env + "-orders"), Attributes: attrs}); err != nil {
		return wrap("queue", err)
	}

	pm := ssm.NewFromConfig(cfg)
	put := func(name, value string, typ ssmtypes.ParameterType) error {
		_, err := pm.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Type: typ})
		return wrap("parameter "+name, err)
	}
	if w.FeatureSwitch {
		if err := put("/"+w.Env+"/features/new_checkout", "true", ssmtypes.ParameterTypeString); err != nil {
			return err
		}
	}
	if err := put("/"+w.Env+"/orders/db_password", "hunter2-"+w.Env, ssmtypes.ParameterTypeSecureString); err != nil {
		return err
	}
	return put("/"+w.Env+"/orders/smtp_password", "plain-secret-"+w.Env, ssmtypes.ParameterTypeString)
}
