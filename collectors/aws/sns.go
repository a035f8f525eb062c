package aws

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/envparity/envparity/snapshot"
)

// personalProtocols are SNS subscription protocols whose endpoint is a
// person's address or phone number: counted, never recorded.
var personalProtocols = map[string]bool{"email": true, "email-json": true, "sms": true}

// collectSNS collects topics (aws.sns.topic): the principals and account
// conditions of their access policy, the endpoints of their subscriptions
// (queues, functions, URLs; e-mail and SMS subscriptions are only counted)
// and the number of subscriptions per protocol.
func collectSNS(ctx context.Context, r *region) ([]item, error) {
	cl := sns.NewFromConfig(r.cfg)
	var arns []string
	p := sns.NewListTopicsPaginator(cl, &sns.ListTopicsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ListTopics: %w", err)
		}
		for _, t := range out.Topics {
			arns = append(arns, deref(t.TopicArn))
		}
	}
	sort.Strings(arns)
	type topic struct {
		policy     policyFacts
		endpoints  []string
		byProtocol map[string]any
		tags       map[string]string
	}
	topics := make([]topic, len(arns))
	const calls = 3
	err := r.each(ctx, calls*len(arns), func(i int) error {
		a := arns[i/calls]
		t := &topics[i/calls]
		switch i % calls {
		case 0:
			out, err := cl.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &a})
			if err != nil {
				return fmt.Errorf("GetTopicAttributes %s: %w", lastSegment(a, ":"), err)
			}
			pol, err := parsePolicy(out.Attributes["Policy"])
			if err != nil {
				return fmt.Errorf("topic %s: %w", lastSegment(a, ":"), err)
			}
			t.policy = pol
		case 1:
			endpoints := map[string]bool{}
			counts := map[string]any{}
			sp := sns.NewListSubscriptionsByTopicPaginator(cl, &sns.ListSubscriptionsByTopicInput{TopicArn: &a})
			for sp.HasMorePages() {
				out, err := sp.NextPage(ctx)
				if err != nil {
					return fmt.Errorf("ListSubscriptionsByTopic %s: %w", lastSegment(a, ":"), err)
				}
				for _, s := range out.Subscriptions {
					proto := deref(s.Protocol)
					n, _ := counts[proto].(int)
					counts[proto] = n + 1
					if !personalProtocols[proto] && deref(s.Endpoint) != "" {
						endpoints[deref(s.Endpoint)] = true
					}
				}
			}
			t.endpoints, t.byProtocol = sortedKeys(endpoints), counts
		case 2:
			out, err := cl.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: &a})
			if err != nil {
				return fmt.Errorf("ListTagsForResource %s: %w", lastSegment(a, ":"), err)
			}
			m := map[string]string{}
			for _, tg := range out.Tags {
				m[deref(tg.Key)] = deref(tg.Value)
			}
			if len(m) > 0 {
				t.tags = m
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var items []item
	for i, a := range arns {
		t := topics[i]
		if !r.wanted(t.tags) {
			continue
		}
		name := lastSegment(a, ":")
		items = append(items, item{
			res: snapshot.Resource{Type: "aws.sns.topic", Name: r.resourceName(name), ID: a, Tags: t.tags, Attrs: map[string]any{
				"policy_principals": t.policy.Principals, "policy_conditions": t.policy.Conditions,
				"subscription_endpoints": t.endpoints, "subscriptions": t.byProtocol,
			}},
			dimName: "TopicName", dimValue: name,
		})
	}
	return items, nil
}
