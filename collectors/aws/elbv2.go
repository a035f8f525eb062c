package aws

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/envparity/envparity/snapshot"
)

// collectELBv2 collects load balancers with their listeners
// (aws.elbv2.load_balancer) and target groups (aws.elbv2.target_group).
func collectELBv2(ctx context.Context, r *region) ([]item, error) {
	cl := elb.NewFromConfig(r.cfg)
	// Load balancers and target groups are listed at the same time.
	var lbs []elbtypes.LoadBalancer
	var tgs []elbtypes.TargetGroup
	err := r.each(ctx, 2, func(i int) error {
		if i == 0 {
			p := elb.NewDescribeLoadBalancersPaginator(cl, &elb.DescribeLoadBalancersInput{PageSize: aws.Int32(400)})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					return fmt.Errorf("DescribeLoadBalancers: %w", err)
				}
				lbs = append(lbs, out.LoadBalancers...)
			}
			return nil
		}
		p := elb.NewDescribeTargetGroupsPaginator(cl, &elb.DescribeTargetGroupsInput{PageSize: aws.Int32(400)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("DescribeTargetGroups: %w", err)
			}
			tgs = append(tgs, out.TargetGroups...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Tags, 20 ARNs per call.
	var arns []string
	for _, lb := range lbs {
		arns = append(arns, deref(lb.LoadBalancerArn))
	}
	for _, tg := range tgs {
		arns = append(arns, deref(tg.TargetGroupArn))
	}
	batches := chunks(len(arns), 20)
	tagsOf := make([]map[string]map[string]string, len(batches))
	err = r.each(ctx, len(batches), func(i int) error {
		out, err := cl.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: arns[batches[i][0]:batches[i][1]]})
		if err != nil {
			return fmt.Errorf("DescribeTags: %w", err)
		}
		m := map[string]map[string]string{}
		for _, d := range out.TagDescriptions {
			m[deref(d.ResourceArn)] = tagMap(d.Tags, func(t elbtypes.Tag) (string, string) { return deref(t.Key), deref(t.Value) })
		}
		tagsOf[i] = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	tags := map[string]map[string]string{}
	for _, m := range tagsOf {
		for k, v := range m {
			tags[k] = v
		}
	}
	var keptLBs []elbtypes.LoadBalancer
	for _, lb := range lbs {
		if r.wanted(tags[deref(lb.LoadBalancerArn)]) {
			keptLBs = append(keptLBs, lb)
		}
	}
	var keptTGs []elbtypes.TargetGroup
	for _, tg := range tgs {
		if r.wanted(tags[deref(tg.TargetGroupArn)]) {
			keptTGs = append(keptTGs, tg)
		}
	}

	listeners := make([]map[string]any, len(keptLBs))
	tgAttrs := make([]map[string]string, len(keptTGs))
	err = r.each(ctx, len(keptLBs)+len(keptTGs), func(i int) error {
		if i < len(keptLBs) {
			m := map[string]any{}
			lp := elb.NewDescribeListenersPaginator(cl, &elb.DescribeListenersInput{LoadBalancerArn: keptLBs[i].LoadBalancerArn, PageSize: aws.Int32(400)})
			for lp.HasMorePages() {
				out, err := lp.NextPage(ctx)
				if err != nil {
					return fmt.Errorf("DescribeListeners %s: %w", deref(keptLBs[i].LoadBalancerName), err)
				}
				for _, l := range out.Listeners {
					m[strconv.Itoa(int(deref(l.Port)))] = map[string]any{
						"protocol":    string(l.Protocol),
						"tls_policy":  deref(l.SslPolicy),
						"certificate": len(l.Certificates) > 0,
					}
				}
			}
			listeners[i] = m
			return nil
		}
		tg := keptTGs[i-len(keptLBs)]
		out, err := cl.DescribeTargetGroupAttributes(ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: tg.TargetGroupArn})
		if err != nil {
			return fmt.Errorf("DescribeTargetGroupAttributes %s: %w", deref(tg.TargetGroupName), err)
		}
		m := map[string]string{}
		for _, a := range out.Attributes {
			m[deref(a.Key)] = deref(a.Value)
		}
		tgAttrs[i-len(keptLBs)] = m
		return nil
	})
	if err != nil {
		return nil, err
	}

	var items []item
	for i, lb := range keptLBs {
		arn := deref(lb.LoadBalancerArn)
		items = append(items, item{
			res: snapshot.Resource{Type: "aws.elbv2.load_balancer", Name: r.resourceName(deref(lb.LoadBalancerName)), ID: arn, Tags: tags[arn],
				Attrs: map[string]any{
					"type":            string(lb.Type),
					"scheme":          string(lb.Scheme),
					"ip_address_type": string(lb.IpAddressType),
					"zones":           len(lb.AvailabilityZones),
					"listeners":       listeners[i],
				}},
			dimName: "LoadBalancer", dimValue: lastSegment(arn, ":loadbalancer/"),
		})
	}
	for i, tg := range keptTGs {
		arn := deref(tg.TargetGroupArn)
		at := tgAttrs[i]
		a := map[string]any{
			"protocol":                      string(tg.Protocol),
			"port":                          deref(tg.Port),
			"target_type":                   string(tg.TargetType),
			"health_check_protocol":         string(tg.HealthCheckProtocol),
			"health_check_path":             deref(tg.HealthCheckPath),
			"health_check_interval_seconds": deref(tg.HealthCheckIntervalSeconds),
			"health_check_timeout_seconds":  deref(tg.HealthCheckTimeoutSeconds),
			"healthy_threshold":             deref(tg.HealthyThresholdCount),
			"unhealthy_threshold":           deref(tg.UnhealthyThresholdCount),
			"load_balancers":                len(tg.LoadBalancerArns),
			"stickiness":                    at["stickiness.enabled"] == "true",
		}
		if v, err := strconv.Atoi(at["deregistration_delay.timeout_seconds"]); err == nil {
			a["deregistration_delay_seconds"] = v
		}
		if a["stickiness"] == true {
			a["stickiness_type"] = at["stickiness.type"]
		}
		items = append(items, item{
			res:     snapshot.Resource{Type: "aws.elbv2.target_group", Name: r.resourceName(deref(tg.TargetGroupName)), ID: arn, Tags: tags[arn], Attrs: a},
			dimName: "TargetGroup", dimValue: "targetgroup/" + strings.TrimPrefix(lastSegment(arn, ":targetgroup/"), "targetgroup/"),
		})
	}
	return items, nil
}
