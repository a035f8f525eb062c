package aws

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/envparity/envparity/snapshot"
)

// collectEC2 collects EC2 instances grouped by logical name
// (aws.ec2.instance_group): the Name tag, else the Auto Scaling group, else
// "untagged". Single instances are not compared; their groups are.
func collectEC2(ctx context.Context, r *region) ([]item, error) {
	cl := ec2.NewFromConfig(r.cfg)
	in := &ec2.DescribeInstancesInput{
		MaxResults: aws.Int32(1000),
		Filters:    []ec2types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped"}}},
	}
	type group struct {
		name                    string
		count, running          int
		types, amis, archs, ids []string
		tags                    map[string]string
	}
	groups := map[string]*group{}
	p := ec2.NewDescribeInstancesPaginator(cl, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeInstances: %w", err)
		}
		for _, res := range out.Reservations {
			for _, inst := range res.Instances {
				tags := tagMap(inst.Tags, func(t ec2types.Tag) (string, string) { return deref(t.Key), deref(t.Value) })
				if !r.wanted(tags) {
					continue
				}
				name := tags["Name"]
				if name == "" {
					name = tags["aws:autoscaling:groupName"]
				}
				if name == "" {
					name = "untagged"
				}
				g := groups[name]
				if g == nil {
					g = &group{name: name, tags: tags}
					groups[name] = g
				} else {
					// keep only the tags every member carries
					for k, v := range g.tags {
						if tags[k] != v {
							delete(g.tags, k)
						}
					}
				}
				g.count++
				if inst.State != nil && inst.State.Name == ec2types.InstanceStateNameRunning {
					g.running++
				}
				g.types = append(g.types, string(inst.InstanceType))
				g.amis = append(g.amis, deref(inst.ImageId))
				g.archs = append(g.archs, string(inst.Architecture))
				g.ids = append(g.ids, deref(inst.InstanceId))
			}
		}
	}
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	sort.Strings(names)
	items := make([]item, 0, len(names))
	for _, n := range names {
		g := groups[n]
		if len(g.tags) == 0 {
			g.tags = nil
		}
		items = append(items, item{res: snapshot.Resource{
			Type: "aws.ec2.instance_group",
			Name: r.resourceName(n),
			ID:   fmt.Sprintf("ec2:%s:group/%s", r.name, n),
			Tags: g.tags,
			Attrs: map[string]any{
				"count":          g.count,
				"running":        g.running,
				"instance_types": sortedSet(g.types),
				"amis":           sortedSet(g.amis),
				"architectures":  sortedSet(g.archs),
			},
		}})
	}
	return items, nil
}
