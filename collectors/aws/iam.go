package aws

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/envparity/envparity/snapshot"
)

// collectIAM collects roles (aws.iam.role) with the principals their trust
// policies allow to assume them. IAM is global: it runs once per source.
// Service-linked and AWS-reserved roles are left out: AWS owns them.
func collectIAM(ctx context.Context, r *region) ([]item, error) {
	cl := iam.NewFromConfig(r.cfg)
	var items []item
	p := iam.NewListRolesPaginator(cl, &iam.ListRolesInput{MaxItems: aws.Int32(1000)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ListRoles: %w", err)
		}
		for _, role := range out.Roles {
			path := deref(role.Path)
			if strings.HasPrefix(path, "/aws-service-role/") || strings.HasPrefix(path, "/aws-reserved/") {
				continue
			}
			name := deref(role.RoleName)
			pol, err := parsePolicy(deref(role.AssumeRolePolicyDocument))
			if err != nil {
				return nil, fmt.Errorf("role %s: trust %w", name, err)
			}
			tags := tagMap(role.Tags, func(t iamtypes.Tag) (string, string) { return deref(t.Key), deref(t.Value) })
			if !r.wanted(tags) {
				continue
			}
			items = append(items, item{res: snapshot.Resource{
				Type: "aws.iam.role", Name: name, ID: deref(role.Arn), Tags: tags,
				Attrs: map[string]any{"path": path, "trusted_principals": pol.Principals, "trust_conditions": pol.Conditions},
			}})
		}
	}
	return items, nil
}
