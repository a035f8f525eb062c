package main

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/envparity/envparity/collectors/aws/awstest"
)

// awsEnvVars are passed to the programs the aws scripts run.
var awsEnvVars = []string{"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED", "AWS_SECRET_VALUES", "AWS_PROFILE", "DEMO"}

// TestAWSScripts runs testdata/awsscript/aws_*.txtar (apart from
// testdata/script, whose scripts run without servers) against one
// moto_server holding a prod world and a staging world in two accounts
// (see awstest.Prod and awstest.Staging). Profiles in a temporary shared
// config file point at moto with endpoint_url; the sources assume a role in
// each account. A "broken" profile points at a closed port.
func TestAWSScripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/awsscript/aws_*.txtar")
	if len(files) == 0 {
		t.Fatal("no testdata/awsscript/aws_*.txtar")
	}
	moto, err := awstest.StartMoto()
	awstest.Require(t, err)
	t.Cleanup(moto.Stop)
	dir := t.TempDir()
	cfgFile, credFile, err := awstest.WriteProfiles(dir, moto.URL, "prod", "staging", "isoprod", "isostaging")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, w := range []struct {
		world   awstest.World
		account string
	}{{awstest.Prod, awstest.ProdAccount}, {awstest.Staging, awstest.StagingAccount}} {
		cfg, err := awstest.Config(ctx, cfgFile, credFile, w.world.Env, w.account)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.world.Create(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	// The isolation worlds, in accounts of their own (awstest.CreateIsolationWorlds).
	isoProd, err := awstest.Config(ctx, cfgFile, credFile, "isoprod", awstest.IsoProdAccount)
	if err != nil {
		t.Fatal(err)
	}
	isoStaging, err := awstest.Config(ctx, cfgFile, credFile, "isostaging", awstest.IsoStagingAccount)
	if err != nil {
		t.Fatal(err)
	}
	if err := awstest.CreateIsolationWorlds(ctx, isoProd, isoStaging); err != nil {
		t.Fatal(err)
	}
	// A profile whose endpoint refuses connections.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	brokenCfg, _, err := awstest.WriteProfiles(t.TempDir(), closed, "broken")
	if err != nil {
		t.Fatal(err)
	}
	main, _ := os.ReadFile(cfgFile)
	broken, _ := os.ReadFile(brokenCfg)
	if err := os.WriteFile(cfgFile, append(main, broken...), 0o600); err != nil {
		t.Fatal(err)
	}

	testscript.Run(t, testscript.Params{
		Files: files,
		Setup: func(env *testscript.Env) error {
			env.Setenv("AWS_CONFIG_FILE", cfgFile)
			env.Setenv("AWS_SHARED_CREDENTIALS_FILE", credFile)
			env.Setenv("AWS_EC2_METADATA_DISABLED", "true")
			env.Setenv("DEMO", demoDir(t))
			// Scripts check that no output holds a secret parameter value.
			env.Setenv("AWS_SECRET_VALUES", "hunter2-prod,hunter2-staging,plain-secret-prod,plain-secret-staging,test-secret")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":    awsExits,
			"findings": dbFindings,
			"nosecret": awsNoSecret,
			"mkbucket": func(ts *testscript.TestScript, neg bool, args []string) {
				if len(args) != 1 || neg {
					ts.Fatalf("usage: mkbucket NAME (in moto, through the prod profile)")
				}
				cfg, err := awsconfig.LoadDefaultConfig(context.Background(), awsconfig.WithSharedConfigProfile("prod"),
					awsconfig.WithSharedConfigFiles([]string{cfgFile}), awsconfig.WithSharedCredentialsFiles([]string{credFile}))
				ts.Check(err)
				_, err = s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).CreateBucket(context.Background(), &s3.CreateBucketInput{
					Bucket: aws.String(args[0]), CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(cfg.Region)}})
				ts.Check(err)
			},
		},
	})
}

// awsExits runs a program on the script's PATH in $WORK with the AWS
// variables and checks its exit code: exits CODE PROGRAM ARGS...
func awsExits(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || neg {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: %q is not an exit code", args[0])
	}
	bin := ""
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		if st, err := os.Stat(filepath.Join(dir, args[1])); err == nil && !st.IsDir() {
			bin = filepath.Join(dir, args[1])
			break
		}
	}
	if bin == "" {
		ts.Fatalf("exits: %s not found on PATH", args[1])
	}
	cmd := exec.Command(bin, args[2:]...)
	cmd.Dir = ts.Getenv("WORK")
	cmd.Env = []string{"PATH=" + ts.Getenv("PATH"), "HOME=" + ts.Getenv("HOME")}
	for _, k := range awsEnvVars {
		cmd.Env = append(cmd.Env, k+"="+ts.Getenv(k))
	}
	cmd.Stdout, cmd.Stderr = ts.Stdout(), ts.Stderr()
	err = cmd.Run()
	got := 0
	if ee, ok := err.(*exec.ExitError); ok {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// awsNoSecret fails if a file holds one of $AWS_SECRET_VALUES.
func awsNoSecret(ts *testscript.TestScript, neg bool, args []string) {
	for _, f := range args {
		data := ts.ReadFile(f)
		for _, v := range strings.Split(ts.Getenv("AWS_SECRET_VALUES"), ",") {
			if v != "" && strings.Contains(data, v) {
				ts.Fatalf("%s contains the secret %q", f, v)
			}
		}
	}
}
