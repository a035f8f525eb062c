package aws

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"

	"github.com/envparity/envparity/config"
)

// accountOption is one entry of the source's accounts: a role to assume
// in an account, on top of the source's own credentials.
type accountOption struct {
	RoleARN    string `yaml:"role_arn"`
	ExternalID string `yaml:"external_id"`
	// Name labels the account's resources ("payments-prod/orders-db");
	// default: the account's alias, else its id.
	Name string `yaml:"name"`
}

// organizationOption discovers the accounts of an AWS Organization with
// the source's credentials (the management account or a delegated
// administrator) and assumes role_name in each.
type organizationOption struct {
	RoleName   string `yaml:"role_name"`
	ExternalID string `yaml:"external_id"`
	// OUs keeps the accounts under these organizational units or roots
	// (at any depth); default: every account.
	OUs []string `yaml:"ous"`
	// AccountTags keeps the accounts carrying all of these tags.
	AccountTags map[string]string `yaml:"account_tags"`
	// Exclude leaves out these account ids (the management account, say).
	Exclude []string `yaml:"exclude"`
}

// DefaultParallelAccounts bounds how many accounts are collected at once
// when parallel_accounts is not set.
const DefaultParallelAccounts = 8

// account is one account a source collects: its own credentials' account
// (label "", the single-account source), or a role assumed in another.
type account struct {
	// label prefixes the account's resource names; "" for the single-account source.
	label string
	// id is the account id known before collecting ("" for the source's own).
	id                  string
	roleARN, externalID string
	// aliasLabel asks for the label to be read from the account's alias.
	aliasLabel bool
}

var (
	roleARNPattern  = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::([0-9]{12}):role/([\w+=,.@/-]{1,512})$`)
	roleNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	ouPattern       = regexp.MustCompile(`^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`)
	accountPattern  = regexp.MustCompile(`^[0-9]{12}$`)
	labelPattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
)

// validateAccounts checks the accounts and organization options and
// returns the explicit accounts.
func validateAccounts(src config.Source, o options) ([]account, error) {
	var out []account
	seenID, seenLabel := map[string]int{}, map[string]int{}
	for i, a := range o.Accounts {
		field := fmt.Sprintf("accounts[%d]", i)
		m := roleARNPattern.FindStringSubmatch(a.RoleARN)
		if a.RoleARN == "" {
			return nil, src.Errorf("accounts", "%s.role_arn: missing (want arn:aws:iam::ACCOUNT:role/NAME)", field)
		}
		if m == nil {
			return nil, src.Errorf("accounts", "%s.role_arn: %q is not an IAM role ARN (want arn:aws:iam::ACCOUNT:role/NAME)", field, a.RoleARN)
		}
		if j, dup := seenID[m[2]]; dup {
			return nil, src.Errorf("accounts", "%s: account %s is listed twice (also accounts[%d])", field, m[2], j)
		}
		seenID[m[2]] = i
		acc := account{id: m[2], roleARN: a.RoleARN, externalID: a.ExternalID, label: a.Name}
		if a.Name == "" {
			acc.aliasLabel = true
		} else {
			if !labelPattern.MatchString(a.Name) {
				return nil, src.Errorf("accounts", "%s.name: %q must be letters, digits, '.', '_' or '-' (at most 64)", field, a.Name)
			}
			if j, dup := seenLabel[a.Name]; dup {
				return nil, src.Errorf("accounts", "%s.name: %q is also the name of accounts[%d]", field, a.Name, j)
			}
			seenLabel[a.Name] = i
		}
		out = append(out, acc)
	}
	if org := o.Organization; org != nil {
		switch {
		case org.RoleName == "":
			return nil, src.Errorf("organization", "organization.role_name: missing (the role assumed in every account, e.g. envparity-readonly)")
		case !roleNamePattern.MatchString(org.RoleName):
			return nil, src.Errorf("organization", "organization.role_name: %q is not a role name", org.RoleName)
		}
		for i, ou := range org.OUs {
			if !ouPattern.MatchString(ou) {
				return nil, src.Errorf("organization", "organization.ous[%d]: %q is not an organizational unit or root id (want ou-xxxx-xxxxxxxx or r-xxxx)", i, ou)
			}
		}
		for i, id := range org.Exclude {
			if !accountPattern.MatchString(id) {
				return nil, src.Errorf("organization", "organization.exclude[%d]: %q is not an account id (12 digits)", i, id)
			}
		}
		for k := range org.AccountTags {
			if k == "" {
				return nil, src.Errorf("organization", "organization.account_tags: tag keys must not be empty")
			}
		}
	}
	return out, nil
}

// multiAccount reports whether the source collects accounts of its own
// (accounts or organization) rather than its credentials' account.
func (c *Collector) multiAccount() bool { return len(c.accounts) > 0 || c.org != nil }

// targets returns the accounts to collect: the explicit ones, then those
// the organization discovery finds (an account listed both ways once).
func (c *Collector) targets(ctx context.Context, base aws.Config) ([]account, error) {
	if !c.multiAccount() {
		return []account{{}}, nil
	}
	out := append([]account(nil), c.accounts...)
	if c.org == nil {
		return out, nil
	}
	listed := map[string]bool{}
	for _, a := range out {
		listed[a.id] = true
	}
	found, err := c.discover(ctx, base)
	if err != nil {
		return nil, fmt.Errorf("discover the organization's accounts: %w", err)
	}
	partition := partitionOf(base.Region)
	for _, a := range found {
		if listed[deref(a.Id)] {
			continue
		}
		id := deref(a.Id)
		out = append(out, account{
			id:         id,
			label:      accountLabel(deref(a.Name), id),
			roleARN:    "arn:" + partition + ":iam::" + id + ":role/" + c.org.RoleName,
			externalID: c.org.ExternalID,
		})
	}
	return out, nil
}

// partitionOf guesses the partition of a region for the role ARNs of
// discovered accounts.
func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// accountLabel turns an account's name into a label for its resources
// ("Payments Prod" → "payments-prod"); the id when nothing is left.
func accountLabel(name, id string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_'
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimRight(b.String(), "-._")
	if len(s) > 64 {
		s = strings.TrimRight(s[:64], "-._")
	}
	if s == "" {
		return id
	}
	return s
}

// organizationsLimit paces the Organizations API, which is global and
// throttles at a few requests per second per account.
var organizationsLimit = limit{rate: 4, burst: 8}

// discover lists the organization's active accounts, under the configured
// OUs and carrying the configured tags, minus the excluded ones, sorted by id.
func (c *Collector) discover(ctx context.Context, base aws.Config) ([]orgtypes.Account, error) {
	cfg := base.Copy()
	l := newBuckets(&c.tune).get("global", bucket{"organizations", organizationsLimit})
	cfg.APIOptions = append(append([]func(*middleware.Stack) error(nil), cfg.APIOptions...),
		readOnlyGuard, rateLimiter(func(context.Context) *rate.Limiter { return l }))
	cl := organizations.NewFromConfig(cfg)
	var accounts []orgtypes.Account
	if len(c.org.OUs) == 0 {
		p := organizations.NewListAccountsPaginator(cl, &organizations.ListAccountsInput{})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("ListAccounts: %w", err)
			}
			accounts = append(accounts, out.Accounts...)
		}
	} else {
		// Walk each OU's tree: its accounts, then its child OUs'.
		seenOU := map[string]bool{}
		queue := append([]string(nil), c.org.OUs...)
		for len(queue) > 0 {
			parent := queue[0]
			queue = queue[1:]
			if seenOU[parent] {
				continue
			}
			seenOU[parent] = true
			ap := organizations.NewListAccountsForParentPaginator(cl, &organizations.ListAccountsForParentInput{ParentId: aws.String(parent)})
			for ap.HasMorePages() {
				out, err := ap.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("ListAccountsForParent %s: %w", parent, err)
				}
				accounts = append(accounts, out.Accounts...)
			}
			op := organizations.NewListOrganizationalUnitsForParentPaginator(cl, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
			for op.HasMorePages() {
				out, err := op.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("ListOrganizationalUnitsForParent %s: %w", parent, err)
				}
				for _, ou := range out.OrganizationalUnits {
					queue = append(queue, deref(ou.Id))
				}
			}
		}
	}
	excluded := map[string]bool{}
	for _, id := range c.org.Exclude {
		excluded[id] = true
	}
	seen := map[string]bool{}
	var kept []orgtypes.Account
	for _, a := range accounts {
		id := deref(a.Id)
		if seen[id] || excluded[id] || !accountActive(a) {
			continue
		}
		seen[id] = true
		if len(c.org.AccountTags) > 0 {
			tags := map[string]string{}
			p := organizations.NewListTagsForResourcePaginator(cl, &organizations.ListTagsForResourceInput{ResourceId: aws.String(id)})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					return nil, fmt.Errorf("ListTagsForResource %s: %w", id, err)
				}
				for _, t := range out.Tags {
					tags[deref(t.Key)] = deref(t.Value)
				}
			}
			if !hasTags(tags, c.org.AccountTags) {
				continue
			}
		}
		kept = append(kept, a)
	}
	sort.Slice(kept, func(i, j int) bool { return deref(kept[i].Id) < deref(kept[j].Id) })
	return kept, nil
}

// accountActive reports whether an account can be collected: not
// suspended, closed or being closed.
func accountActive(a orgtypes.Account) bool {
	if a.State != "" {
		return a.State == orgtypes.AccountStateActive
	}
	return a.Status == "" || a.Status == orgtypes.AccountStatusActive
}

func hasTags(tags, want map[string]string) bool {
	for k, v := range want {
		if tags[k] != v {
			return false
		}
	}
	return true
}

// accountConfig is the SDK config acting in an account: the source's
// config with the account's role assumed on top of its credentials.
func (c *Collector) accountConfig(base aws.Config, a account) aws.Config {
	if a.roleARN == "" {
		return base
	}
	cfg := base.Copy()
	prov := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(base), a.roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "envparity"
		if a.externalID != "" {
			o.ExternalID = aws.String(a.externalID)
		}
	})
	cfg.Credentials = aws.NewCredentialsCache(prov)
	return cfg
}

// aliasOf returns the account's IAM alias, "" when it has none.
func aliasOf(ctx context.Context, cfg aws.Config) (string, error) {
	cfg = cfg.Copy()
	cfg.APIOptions = append(append([]func(*middleware.Stack) error(nil), cfg.APIOptions...), readOnlyGuard)
	out, err := iam.NewFromConfig(cfg).ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})
	if err != nil {
		return "", fmt.Errorf("ListAccountAliases (set a name for the account to skip it): %w", err)
	}
	if len(out.AccountAliases) == 0 {
		return "", nil
	}
	return out.AccountAliases[0], nil
}

// shardAccounts keeps the accounts of the shard, named by id or by their
// configured or organization name. A shard account that names none of the
// source's accounts is an error: the part would silently hold nothing.
func (c *Collector) shardAccounts(targets []account) ([]account, error) {
	if c.shard == nil || len(c.shard.Accounts) == 0 {
		return targets, nil
	}
	var kept []account
	for _, want := range c.shard.Accounts {
		found := false
		for _, a := range targets {
			if a.id == want || a.label != "" && a.label == want {
				found = true
				if !slices.ContainsFunc(kept, func(k account) bool { return k.id == a.id }) {
					kept = append(kept, a)
				}
			}
		}
		if !found {
			var known []string
			for _, a := range targets {
				k := a.id
				if a.label != "" {
					k += " (" + a.label + ")"
				}
				known = append(known, k)
			}
			return nil, fmt.Errorf("the shard's account %s is not among the source's accounts: %s", want, strings.Join(known, ", "))
		}
	}
	return kept, nil
}
