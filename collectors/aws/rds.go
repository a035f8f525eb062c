package aws

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/envparity/envparity/snapshot"
)

// collectRDS collects DB instances (aws.rds.instance, replicas included as
// resources of their own) and Aurora clusters (aws.rds.cluster), with the
// user-modified values of their parameter groups.
func collectRDS(ctx context.Context, r *region) ([]item, error) {
	cl := rds.NewFromConfig(r.cfg)
	// Instances and clusters are listed at the same time.
	var dbs []rdstypes.DBInstance
	var clusters []rdstypes.DBCluster
	err := r.each(ctx, 2, func(i int) error {
		if i == 0 {
			p := rds.NewDescribeDBInstancesPaginator(cl, &rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(100)})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					return fmt.Errorf("DescribeDBInstances: %w", err)
				}
				dbs = append(dbs, out.DBInstances...)
			}
			return nil
		}
		p := rds.NewDescribeDBClustersPaginator(cl, &rds.DescribeDBClustersInput{MaxRecords: aws.Int32(100)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("DescribeDBClusters: %w", err)
			}
			clusters = append(clusters, out.DBClusters...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Parameter groups in use, each read once.
	type pg struct {
		name    string
		cluster bool
	}
	var groups []pg
	seen := map[pg]bool{}
	keep := func(tags []rdstypes.Tag) bool { return r.wanted(rdsTags(tags)) }
	for _, db := range dbs {
		if !keep(db.TagList) {
			continue
		}
		for _, g := range db.DBParameterGroups {
			k := pg{deref(g.DBParameterGroupName), false}
			if k.name != "" && !seen[k] {
				seen[k] = true
				groups = append(groups, k)
			}
		}
	}
	for _, c := range clusters {
		k := pg{deref(c.DBClusterParameterGroup), true}
		if keep(c.TagList) && k.name != "" && !seen[k] {
			seen[k] = true
			groups = append(groups, k)
		}
	}
	params := make(map[pg]map[string]any, len(groups))
	var mu sync.Mutex
	err = r.each(ctx, len(groups), func(i int) error {
		g := groups[i]
		m := map[string]any{}
		if g.cluster {
			p := rds.NewDescribeDBClusterParametersPaginator(cl, &rds.DescribeDBClusterParametersInput{DBClusterParameterGroupName: &g.name, Source: aws.String("user")})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					return fmt.Errorf("DescribeDBClusterParameters %s: %w", g.name, err)
				}
				for _, prm := range out.Parameters {
					m[deref(prm.ParameterName)] = deref(prm.ParameterValue)
				}
			}
		} else {
			p := rds.NewDescribeDBParametersPaginator(cl, &rds.DescribeDBParametersInput{DBParameterGroupName: &g.name, Source: aws.String("user")})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					return fmt.Errorf("DescribeDBParameters %s: %w", g.name, err)
				}
				for _, prm := range out.Parameters {
					m[deref(prm.ParameterName)] = deref(prm.ParameterValue)
				}
			}
		}
		mu.Lock()
		params[g] = m
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Cluster roles of member instances.
	role := map[string]string{}
	for _, c := range clusters {
		for _, m := range c.DBClusterMembers {
			if aws.ToBool(m.IsClusterWriter) {
				role[deref(m.DBInstanceIdentifier)] = "writer"
			} else {
				role[deref(m.DBInstanceIdentifier)] = "reader"
			}
		}
	}

	var items []item
	for _, db := range dbs {
		if !keep(db.TagList) {
			continue
		}
		id := deref(db.DBInstanceIdentifier)
		a := map[string]any{
			"engine":                     deref(db.Engine),
			"engine_version":             deref(db.EngineVersion),
			"instance_class":             deref(db.DBInstanceClass),
			"storage_type":               deref(db.StorageType),
			"storage_gb":                 deref(db.AllocatedStorage),
			"multi_az":                   aws.ToBool(db.MultiAZ),
			"storage_encrypted":          aws.ToBool(db.StorageEncrypted),
			"backup_retention_days":      deref(db.BackupRetentionPeriod),
			"deletion_protection":        aws.ToBool(db.DeletionProtection),
			"performance_insights":       aws.ToBool(db.PerformanceInsightsEnabled),
			"publicly_accessible":        aws.ToBool(db.PubliclyAccessible),
			"auto_minor_version_upgrade": aws.ToBool(db.AutoMinorVersionUpgrade),
			"read_replicas":              len(db.ReadReplicaDBInstanceIdentifiers),
		}
		if db.Iops != nil {
			a["iops"] = *db.Iops
		}
		if len(db.DBParameterGroups) > 0 {
			name := deref(db.DBParameterGroups[0].DBParameterGroupName)
			a["parameter_group"] = r.logical(name)
			a["parameters"] = params[pg{name, false}]
		}
		switch {
		case db.ReadReplicaSourceDBInstanceIdentifier != nil:
			a["role"] = "replica"
			a["replica_source"] = r.logical(lastSegment(*db.ReadReplicaSourceDBInstanceIdentifier, ":"))
		case db.DBClusterIdentifier != nil:
			a["role"] = role[id]
			if a["role"] == "" {
				a["role"] = "cluster_member"
			}
			a["cluster"] = r.logical(*db.DBClusterIdentifier)
		default:
			a["role"] = "primary"
		}
		items = append(items, item{
			res:     snapshot.Resource{Type: "aws.rds.instance", Name: r.resourceName(id), ID: deref(db.DBInstanceArn), Tags: rdsTags(db.TagList), Attrs: a},
			dimName: "DBInstanceIdentifier", dimValue: id,
		})
	}
	for _, c := range clusters {
		if !keep(c.TagList) {
			continue
		}
		id := deref(c.DBClusterIdentifier)
		writers, readers := 0, 0
		for _, m := range c.DBClusterMembers {
			if aws.ToBool(m.IsClusterWriter) {
				writers++
			} else {
				readers++
			}
		}
		a := map[string]any{
			"engine":                deref(c.Engine),
			"engine_version":        deref(c.EngineVersion),
			"engine_mode":           deref(c.EngineMode),
			"writers":               writers,
			"readers":               readers,
			"multi_az":              aws.ToBool(c.MultiAZ),
			"storage_encrypted":     aws.ToBool(c.StorageEncrypted),
			"backup_retention_days": deref(c.BackupRetentionPeriod),
			"deletion_protection":   aws.ToBool(c.DeletionProtection),
			"read_replicas":         len(c.ReadReplicaIdentifiers),
		}
		if c.DBClusterParameterGroup != nil {
			a["parameter_group"] = r.logical(*c.DBClusterParameterGroup)
			a["parameters"] = params[pg{*c.DBClusterParameterGroup, true}]
		}
		if s := c.ServerlessV2ScalingConfiguration; s != nil {
			a["serverless_min_acu"] = deref(s.MinCapacity)
			a["serverless_max_acu"] = deref(s.MaxCapacity)
		}
		if c.ReplicationSourceIdentifier != nil {
			a["replica_source"] = r.logical(lastSegment(*c.ReplicationSourceIdentifier, ":"))
		}
		items = append(items, item{
			res:     snapshot.Resource{Type: "aws.rds.cluster", Name: r.resourceName(id), ID: deref(c.DBClusterArn), Tags: rdsTags(c.TagList), Attrs: a},
			dimName: "DBClusterIdentifier", dimValue: id,
		})
	}
	return items, nil
}

func rdsTags(tags []rdstypes.Tag) map[string]string {
	return tagMap(tags, func(t rdstypes.Tag) (string, string) { return deref(t.Key), deref(t.Value) })
}
