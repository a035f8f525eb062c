package aws

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestIAMPolicyCoversEveryCall: every call the collector makes is allowed
// by the least-privilege policy shipped in docs/iam-policy.json, and the
// policy allows nothing but Describe, List and Get actions.
func TestIAMPolicyCoversEveryCall(t *testing.T) {
	data, err := os.ReadFile("../../docs/iam-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var policy struct {
		Statement []struct {
			Effect string
			Action any
		}
	}
	if err := json.Unmarshal(data, &policy); err != nil {
		t.Fatalf("docs/iam-policy.json: %v", err)
	}
	allowed := map[string]bool{}
	for _, st := range policy.Statement {
		if st.Effect != "Allow" {
			continue
		}
		acts, _ := st.Action.([]any)
		for _, a := range acts {
			name := a.(string)
			allowed[name] = true
			if op := name[strings.Index(name, ":")+1:]; !IsReadOnlyOperation(op) {
				t.Errorf("policy allows %s, which is not a Describe, List or Get action", name)
			}
		}
	}
	prefix := map[string]string{"elbv2": "elasticloadbalancing", "tagging": "tag"}
	// Permissions a call needs besides its own: GetFunction returns tags
	// only to a caller allowed lambda:ListTags.
	implied := map[string][]string{"lambda:GetFunction": {"lambda:ListTags"}}
	s3 := map[string]string{
		"ListBuckets": "ListAllMyBuckets", "GetBucket:versioning": "GetBucketVersioning", "GetBucket:encryption": "GetEncryptionConfiguration",
		"GetBucket:publicAccessBlock": "GetBucketPublicAccessBlock", "GetBucket:lifecycle": "GetLifecycleConfiguration", "GetBucket:tagging": "GetBucketTagging",
		"GetBucket:policy": "GetBucketPolicy",
	}
	f := multiFake()
	srv := startFake(t, f)
	// Without a tag filter every detail call is made; with one, SSM reads
	// tags too. Accounts listed without a name are labelled by their alias;
	// an organization is walked by OU and filtered by account tags.
	for _, extra := range []string{"", "tags: {service: svc0}\n", "services: [sqs]\naccounts: [{role_arn: \"arn:aws:iam::111111111111:role/r\"}]\n",
		"services: [sqs]\norganization: {role_name: r, ous: [r-ab12], account_tags: {env: prod}, exclude: [\"555555555555\"]}\n", "services: [sqs]\norganization: {role_name: r, exclude: [\"555555555555\"]}\n"} {
		if _, err := fakeCollector(t, srv, "prod", "regions: [eu-west-1]\n"+extra).Collect(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, op := range f.operations() {
		if op.Service == "sts" && op.Op == "AssumeRole" {
			continue // the caller's permission to enter an account, not the read-only role's (docs/sources/aws.md)
		}
		svc := op.Service
		if p, ok := prefix[svc]; ok {
			svc = p
		}
		action := op.Op
		if op.Service == "s3" {
			action = s3[op.Op]
		}
		a := svc + ":" + action
		if seen[a] {
			continue
		}
		seen[a] = true
		if !allowed[a] {
			t.Errorf("the collector calls %s (%s %s), which docs/iam-policy.json does not allow", a, op.Method, op.Path)
		}
		for _, x := range implied[a] {
			seen[x] = true
			if !allowed[x] {
				t.Errorf("the collector calls %s, which needs %s, which docs/iam-policy.json does not allow", a, x)
			}
		}
	}
	for a := range allowed {
		if !seen[a] {
			t.Errorf("docs/iam-policy.json allows %s, which the collector never calls", a)
		}
	}
}
