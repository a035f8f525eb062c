package aws

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
)

// collectCloudWatch reads metric alarms. They are not resources of their
// own: Collect counts them per resource they watch and sets that
// resource's `alarms` attribute.
func collectCloudWatch(ctx context.Context, r *region) ([]item, error) {
	cl := cloudwatch.NewFromConfig(r.cfg)
	var items []item
	p := cloudwatch.NewDescribeAlarmsPaginator(cl, &cloudwatch.DescribeAlarmsInput{MaxRecords: aws.Int32(100)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeAlarms: %w", err)
		}
		for _, a := range out.MetricAlarms {
			seen := map[string]bool{}
			dims := a.Dimensions
			for _, m := range a.Metrics { // metric-math alarms
				if m.MetricStat != nil && m.MetricStat.Metric != nil {
					dims = append(dims, m.MetricStat.Metric.Dimensions...)
				}
			}
			for _, d := range dims {
				k := deref(d.Name) + "=" + deref(d.Value)
				if seen[k] {
					continue
				}
				seen[k] = true
				items = append(items, item{dimName: deref(d.Name), dimValue: deref(d.Value)})
			}
		}
	}
	return items, nil
}
