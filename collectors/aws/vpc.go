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

// collectVPC collects VPCs (aws.ec2.vpc) with their address blocks and the
// sources their security groups admit (ingress CIDR blocks, and accounts
// whose security groups are referenced), and the VPC peering connections
// (aws.ec2.vpc_peering) with both sides' accounts, VPCs and blocks: the
// facts that say whether one environment's network can reach another's.
func collectVPC(ctx context.Context, r *region) ([]item, error) {
	cl := ec2.NewFromConfig(r.cfg)
	type vpc struct {
		id, name, owner string
		isDefault       bool
		cidrs           []string
		ingress         map[string]bool
		ingressAccounts map[string]bool
		tags            map[string]string
	}
	vpcs := map[string]*vpc{}
	vp := ec2.NewDescribeVpcsPaginator(cl, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(1000)})
	for vp.HasMorePages() {
		out, err := vp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeVpcs: %w", err)
		}
		for _, v := range out.Vpcs {
			tags := tagMap(v.Tags, func(t ec2types.Tag) (string, string) { return deref(t.Key), deref(t.Value) })
			x := &vpc{id: deref(v.VpcId), owner: deref(v.OwnerId), isDefault: deref(v.IsDefault), tags: tags,
				ingress: map[string]bool{}, ingressAccounts: map[string]bool{}}
			x.name = tags["Name"]
			switch {
			case x.name != "":
			case x.isDefault:
				x.name = "default"
			default:
				x.name = x.id
			}
			delete(x.tags, "Name")
			if len(x.tags) == 0 {
				x.tags = nil
			}
			for _, b := range v.CidrBlockAssociationSet {
				if b.CidrBlockState == nil || b.CidrBlockState.State == ec2types.VpcCidrBlockStateCodeAssociated {
					x.cidrs = append(x.cidrs, deref(b.CidrBlock))
				}
			}
			if len(x.cidrs) == 0 && deref(v.CidrBlock) != "" {
				x.cidrs = []string{deref(v.CidrBlock)}
			}
			vpcs[x.id] = x
		}
	}
	sp := ec2.NewDescribeSecurityGroupsPaginator(cl, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(1000)})
	for sp.HasMorePages() {
		out, err := sp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeSecurityGroups: %w", err)
		}
		for _, g := range out.SecurityGroups {
			x := vpcs[deref(g.VpcId)]
			if x == nil {
				continue
			}
			for _, perm := range g.IpPermissions {
				for _, rg := range perm.IpRanges {
					x.ingress[deref(rg.CidrIp)] = true
				}
				for _, rg := range perm.Ipv6Ranges {
					x.ingress[deref(rg.CidrIpv6)] = true
				}
				for _, pair := range perm.UserIdGroupPairs {
					if u := deref(pair.UserId); u != "" && u != deref(g.OwnerId) {
						x.ingressAccounts[u] = true
					}
				}
			}
		}
	}
	var items []item
	ids := make([]string, 0, len(vpcs))
	for id := range vpcs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		x := vpcs[id]
		if !r.wanted(x.tags) {
			continue
		}
		sort.Strings(x.cidrs)
		items = append(items, item{res: snapshot.Resource{
			Type: "aws.ec2.vpc", Name: r.resourceName(x.name), ID: x.id, Tags: x.tags,
			Attrs: map[string]any{"vpc_id": x.id, "owner_account": x.owner, "default": x.isDefault, "cidr_blocks": sortedSet(x.cidrs),
				"ingress_cidrs": sortedKeys(x.ingress), "ingress_accounts": sortedKeys(x.ingressAccounts)},
		}})
	}
	pp := ec2.NewDescribeVpcPeeringConnectionsPaginator(cl, &ec2.DescribeVpcPeeringConnectionsInput{MaxResults: aws.Int32(1000)})
	for pp.HasMorePages() {
		out, err := pp.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeVpcPeeringConnections: %w", err)
		}
		for _, pc := range out.VpcPeeringConnections {
			status := ""
			if pc.Status != nil {
				status = string(pc.Status.Code)
			}
			switch ec2types.VpcPeeringConnectionStateReasonCode(status) {
			case ec2types.VpcPeeringConnectionStateReasonCodeDeleted, ec2types.VpcPeeringConnectionStateReasonCodeRejected,
				ec2types.VpcPeeringConnectionStateReasonCodeFailed, ec2types.VpcPeeringConnectionStateReasonCodeExpired,
				ec2types.VpcPeeringConnectionStateReasonCodeDeleting:
				continue
			}
			tags := tagMap(pc.Tags, func(t ec2types.Tag) (string, string) { return deref(t.Key), deref(t.Value) })
			id := deref(pc.VpcPeeringConnectionId)
			name := tags["Name"]
			if name == "" {
				name = id
			}
			delete(tags, "Name")
			if len(tags) == 0 {
				tags = nil
			}
			side := func(v *ec2types.VpcPeeringConnectionVpcInfo) (account, vpcID, region string, cidrs []string) {
				if v == nil {
					return "", "", "", []string{}
				}
				for _, b := range v.CidrBlockSet {
					cidrs = append(cidrs, deref(b.CidrBlock))
				}
				if len(cidrs) == 0 && deref(v.CidrBlock) != "" {
					cidrs = []string{deref(v.CidrBlock)}
				}
				return deref(v.OwnerId), deref(v.VpcId), deref(v.Region), sortedSet(cidrs)
			}
			ra, rv, rr, rc := side(pc.RequesterVpcInfo)
			aa, av, ar, ac := side(pc.AccepterVpcInfo)
			if !r.wanted(tags) {
				continue
			}
			items = append(items, item{res: snapshot.Resource{
				Type: "aws.ec2.vpc_peering", Name: r.resourceName(name), ID: id, Tags: tags,
				Attrs: map[string]any{"status": status,
					"requester_account": ra, "requester_vpc_id": rv, "requester_region": rr, "requester_cidr_blocks": rc,
					"accepter_account": aa, "accepter_vpc_id": av, "accepter_region": ar, "accepter_cidr_blocks": ac},
			}})
		}
	}
	return items, nil
}
