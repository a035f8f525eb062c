package aws

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/envparity/envparity/collectors/aws/awstest"
	"github.com/envparity/envparity/snapshot"
)

// TestMotoIsolationFacts builds the isolation worlds in two moto accounts
// (awstest.CreateIsolationWorlds: staging's bucket policy, queue policy,
// subscription, role trust, peering and firewall name production's
// account or network) and checks that the collector states every fact the
// isolation rules judge, through the real SDK, read-only.
func TestMotoIsolationFacts(t *testing.T) {
	moto := startMoto(t)
	direct := writeProfiles(t, moto, "isoprod", "isostaging")
	if err := awstest.CreateIsolationWorlds(context.Background(),
		worldConfig(t, direct, "isoprod", awstest.IsoProdAccount), worldConfig(t, direct, "isostaging", awstest.IsoStagingAccount)); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder(t, moto)
	getenv := writeProfiles(t, rec.srv.URL, "isoprod", "isostaging")
	collect := func(profile, account string, tokens []string) map[string]snapshot.Resource {
		c := newTestCollector(t, profile, tokens, getenv, fmt.Sprintf(`
name: aws
kind: aws
profile: %s
role_arn: %s
regions: [eu-west-1]
services: [iam, s3, sns, sqs, vpc]
timeout: 2m
`, profile, awstest.RoleARN(account)))
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		res, err := c.Collect(ctx)
		if err != nil {
			t.Fatalf("collect %s: %v", profile, err)
		}
		return byTypeName(res)
	}
	prod := collect("isoprod", awstest.IsoProdAccount, []string{"prod"})
	staging := collect("isostaging", awstest.IsoStagingAccount, []string{"staging"})
	assertReadOnly(t, rec.operations())

	p, s := awstest.IsoProdAccount, awstest.IsoStagingAccount
	tests := []struct {
		name  string
		world map[string]snapshot.Resource
		res   string
		path  string
		want  string
	}{
		{"prod account", prod, "aws.sts.account aws", "account_id", p},
		{"staging account", staging, "aws.sts.account aws", "account_id", s},
		{"bucket policy names prod", staging, "aws.s3.bucket staging-exports", "policy_principals", "[arn:aws:iam::" + p + ":root]"},
		{"own bucket policy", staging, "aws.s3.bucket staging-assets", "policy_principals", "[arn:aws:iam::" + s + ":role/cdn]"},
		{"queue admits prod topic", staging, "aws.sqs.queue staging-orders-events", "policy_conditions", "[arn:aws:sns:eu-west-1:" + p + ":prod-orders]"},
		{"queue principal", staging, "aws.sqs.queue staging-orders-events", "policy_principals", "[sns.amazonaws.com]"},
		{"topic delivers to prod queue", staging, "aws.sns.topic staging-orders", "subscription_endpoints", "[arn:aws:sqs:eu-west-1:" + p + ":prod-orders-events]"},
		{"topic subscriptions", staging, "aws.sns.topic staging-orders", "subscriptions.sqs", "1"},
		{"role trusts prod", staging, "aws.iam.role staging-deployer", "trusted_principals", "[arn:aws:iam::" + p + ":root]"},
		{"role trusts itself", staging, "aws.iam.role staging-ci", "trusted_principals", "[arn:aws:iam::" + s + ":root codebuild.amazonaws.com]"},
		{"staging vpc", staging, "aws.ec2.vpc staging-vpc", "cidr_blocks", "[10.20.0.0/16]"},
		{"staging ingress", staging, "aws.ec2.vpc staging-vpc", "ingress_cidrs", "[0.0.0.0/0 10.10.0.0/16 10.20.0.0/16]"},
		{"prod vpc", prod, "aws.ec2.vpc prod-vpc", "cidr_blocks", "[10.10.0.0/16]"},
		{"peering accepter", staging, "aws.ec2.vpc_peering staging-to-prod", "accepter_account", p},
		{"peering accepter block", staging, "aws.ec2.vpc_peering staging-to-prod", "accepter_cidr_blocks", "[10.10.0.0/16]"},
		{"peering requester", staging, "aws.ec2.vpc_peering staging-to-prod", "requester_account", s},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := tt.world[tt.res]
			if !ok {
				var names []string
				for k := range tt.world {
					names = append(names, k)
				}
				t.Fatalf("no resource %q (have %s)", tt.res, strings.Join(names, ", "))
			}
			if got := attr(r, tt.path); got != tt.want {
				t.Errorf("%s %s = %q, want %q", tt.res, tt.path, got, tt.want)
			}
		})
	}
}
