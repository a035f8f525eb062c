package aws

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/envparity/envparity/collectors/aws/awstest"
)

// TestMotoOrganization builds an organization in moto_server: a
// management account with two OUs (prod, holding a nested OU, and
// staging), member accounts tagged by environment, and a queue in each
// member. The collector discovers the prod accounts by OU and tag, assumes
// its role in each, and names their resources by account; an explicitly
// listed account is labelled by its IAM alias, or by its id without one.
// Every request goes through a recording proxy that proves only
// read-only calls (and AssumeRole) were sent.
func TestMotoOrganization(t *testing.T) {
	moto := startMoto(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	direct := writeProfiles(t, moto, "mgmt")
	mgmt, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithSharedConfigProfile("mgmt"),
		awsconfig.WithSharedConfigFiles([]string{direct["AWS_CONFIG_FILE"]}), awsconfig.WithSharedCredentialsFiles([]string{direct["AWS_SHARED_CREDENTIALS_FILE"]}))
	if err != nil {
		t.Fatal(err)
	}
	org := organizations.NewFromConfig(mgmt)
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil &&
		!strings.Contains(err.Error(), "AlreadyInOrganization") {
		t.Fatal(err)
	}
	roots, err := org.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil || len(roots.Roots) == 0 {
		t.Fatalf("roots: %v", err)
	}
	root := deref(roots.Roots[0].Id)
	run := fmt.Sprint(time.Now().UnixNano()) // moto keeps state between runs of the package
	newOU := func(parent, name string) string {
		out, err := org.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: &parent, Name: aws.String(name + "-" + run)})
		if err != nil {
			t.Fatal(err)
		}
		return deref(out.OrganizationalUnit.Id)
	}
	prodOU := newOU(root, "prod")
	nestedOU := newOU(prodOU, "prod-data")
	stagingOU := newOU(root, "staging")
	newAccount := func(name, ou, env string) string {
		out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(name), Email: aws.String(name + run + "@example.com"),
			Tags: []orgtypes.Tag{{Key: aws.String("env"), Value: aws.String(env)}}})
		if err != nil {
			t.Fatal(err)
		}
		id := deref(out.CreateAccountStatus.AccountId)
		if _, err := org.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: &id, SourceParentId: &root, DestinationParentId: &ou}); err != nil {
			t.Fatal(err)
		}
		member, err := awstest.Config(ctx, direct["AWS_CONFIG_FILE"], direct["AWS_SHARED_CREDENTIALS_FILE"], "mgmt", id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sqs.NewFromConfig(member).CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(env + "-orders")}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	payments := newAccount("Payments Prod", prodOU, "prod")
	data := newAccount("Data Prod", nestedOU, "prod")
	untagged := newAccount("Sandbox", prodOU, "sandbox")
	staging := newAccount("Payments Staging", stagingOU, "staging")
	// An alias for the staging account, read when it is listed without a name.
	member, err := awstest.Config(ctx, direct["AWS_CONFIG_FILE"], direct["AWS_SHARED_CREDENTIALS_FILE"], "mgmt", staging)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iam.NewFromConfig(member).CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("payments-staging")}); err != nil {
		t.Fatal(err)
	}

	rec := newRecorder(t, moto)
	getenv := writeProfiles(t, rec.srv.URL, "mgmt")
	collect := func(env, opts string) map[string]string {
		c := newTestCollector(t, env, []string{env}, getenv, "name: aws\nkind: aws\nprofile: mgmt\nregions: [eu-west-1]\nservices: [sqs]\n"+opts)
		res, err := c.Collect(ctx)
		if err != nil {
			t.Fatalf("collect %s: %v", env, err)
		}
		got := map[string]string{}
		for _, r := range res {
			got[r.Type+" "+r.Name] = attr(r, "account_id")
		}
		return got
	}
	prod := collect("prod", fmt.Sprintf("organization: {role_name: envparity-readonly, ous: [%s], account_tags: {env: prod}}\n", prodOU))
	want := map[string]string{
		"aws.sts.account payments-prod": payments, "aws.sqs.queue payments-prod/prod-orders": "",
		"aws.sts.account data-prod": data, "aws.sqs.queue data-prod/prod-orders": "",
	}
	if fmt.Sprint(prod) != fmt.Sprint(want) {
		t.Errorf("prod: got %v, want %v (the sandbox account %s is untagged)", keysOf(prod), keysOf(want), untagged)
	}
	stagingRes := collect("staging", fmt.Sprintf("accounts: [{role_arn: %q}, {role_arn: %q}]\n", awstest.RoleARN(staging), awstest.RoleARN(untagged)))
	want = map[string]string{
		"aws.sts.account payments-staging": staging, "aws.sqs.queue payments-staging/staging-orders": "",
		"aws.sts.account " + untagged: untagged, "aws.sqs.queue " + untagged + "/sandbox-orders": "",
	}
	if fmt.Sprint(stagingRes) != fmt.Sprint(want) {
		t.Errorf("staging: got %v, want %v", keysOf(stagingRes), keysOf(want))
	}
	ops := rec.operations()
	assertReadOnly(t, ops)
	for _, name := range []string{"ListAccountsForParent", "ListOrganizationalUnitsForParent", "ListTagsForResource", "AssumeRole", "ListAccountAliases"} {
		found := false
		for _, op := range ops {
			found = found || op.Name == name
		}
		if !found {
			t.Errorf("no %s call recorded", name)
		}
	}
}

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
