package awstest

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// The accounts of the isolation worlds, apart from the parity worlds' so
// that both can live in one moto_server.
const (
	IsoProdAccount    = "444444444444"
	IsoStagingAccount = "555555555555"
)

// Isolation worlds: production has a VPC (10.10.0.0/16), an SNS topic, an
// SQS queue and a bucket. Staging has the same, and reaches production
// through each of the ways the isolation rules look for:
//
//   - its bucket staging-exports grants production's account (bucket policy);
//   - its queue staging-orders-events admits production's topic (queue
//     policy condition aws:SourceArn);
//   - its topic staging-orders delivers to production's queue (subscription);
//   - its role staging-deployer can be assumed from production's account;
//   - its VPC is peered with production's, and its security group admits
//     production's address block.
//
// The negative cases sit next to them: staging-assets grants only staging's
// own account, staging-ci trusts only staging's account and a service.
func CreateIsolationWorlds(ctx context.Context, prodCfg, stagingCfg aws.Config) error {
	createMu.Lock()
	defer createMu.Unlock()
	wrap := func(env, what string, err error) error {
		if err != nil {
			return fmt.Errorf("create %s isolation world: %s: %w", env, what, err)
		}
		return nil
	}
	region := "eu-west-1"
	prodQueueARN := fmt.Sprintf("arn:aws:sqs:%s:%s:prod-orders-events", region, IsoProdAccount)
	prodTopicARN := fmt.Sprintf("arn:aws:sns:%s:%s:prod-orders", region, IsoProdAccount)

	// Production.
	prodVPC, err := createVPC(ctx, prodCfg, "prod-vpc", "10.10.0.0/16")
	if err := wrap("prod", "vpc", err); err != nil {
		return err
	}
	pq := sqs.NewFromConfig(prodCfg)
	if _, err := pq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("prod-orders-events")}); err != nil {
		return wrap("prod", "queue", err)
	}
	if _, err := sns.NewFromConfig(prodCfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("prod-orders")}); err != nil {
		return wrap("prod", "topic", err)
	}
	if err := createBucket(ctx, prodCfg, "prod-exports", fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::prod-exports/*"}]}`, IsoProdAccount)); err != nil {
		return wrap("prod", "bucket", err)
	}

	// Staging.
	stagingVPC, err := createVPC(ctx, stagingCfg, "staging-vpc", "10.20.0.0/16")
	if err := wrap("staging", "vpc", err); err != nil {
		return err
	}
	e := ec2.NewFromConfig(stagingCfg)
	sg, err := e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("staging-db"), Description: aws.String("db"), VpcId: &stagingVPC})
	if err != nil {
		return wrap("staging", "security group", err)
	}
	if _, err := e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.10.0.0/16")}, {CidrIp: aws.String("10.20.0.0/16")}}},
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
	}}); err != nil {
		return wrap("staging", "ingress", err)
	}
	if _, err := e.CreateVpcPeeringConnection(ctx, &ec2.CreateVpcPeeringConnectionInput{VpcId: &stagingVPC, PeerVpcId: &prodVPC, PeerOwnerId: aws.String(IsoProdAccount),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpcPeeringConnection, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("staging-to-prod")}}}}}); err != nil {
		return wrap("staging", "peering", err)
	}
	sq := sqs.NewFromConfig(stagingCfg)
	queuePolicy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"*","Condition":{"ArnEquals":{"aws:SourceArn":%q}}}]}`, prodTopicARN)
	if _, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("staging-orders-events"), Attributes: map[string]string{"Policy": queuePolicy}}); err != nil {
		return wrap("staging", "queue", err)
	}
	topic, err := sns.NewFromConfig(stagingCfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("staging-orders")})
	if err != nil {
		return wrap("staging", "topic", err)
	}
	if _, err := sns.NewFromConfig(stagingCfg).Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(prodQueueARN)}); err != nil {
		return wrap("staging", "subscription", err)
	}
	if err := createBucket(ctx, stagingCfg, "staging-exports", fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::staging-exports/*"}]}`, IsoProdAccount)); err != nil {
		return wrap("staging", "bucket", err)
	}
	if err := createBucket(ctx, stagingCfg, "staging-assets", fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:role/cdn"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::staging-assets/*"}]}`, IsoStagingAccount)); err != nil {
		return wrap("staging", "bucket", err)
	}
	im := iam.NewFromConfig(stagingCfg)
	for name, principal := range map[string]string{
		"staging-deployer": fmt.Sprintf(`{"AWS":"arn:aws:iam::%s:root"}`, IsoProdAccount),
		"staging-ci":       fmt.Sprintf(`{"AWS":"arn:aws:iam::%s:root","Service":"codebuild.amazonaws.com"}`, IsoStagingAccount),
	} {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"}]}`
		if _, err := im.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: &doc}); err != nil {
			return wrap("staging", "role "+name, err)
		}
	}
	return nil
}

func createVPC(ctx context.Context, cfg aws.Config, name, cidr string) (string, error) {
	out, err := ec2.NewFromConfig(cfg).CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(cidr),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpc, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}}}}})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Vpc.VpcId), nil
}

func createBucket(ctx context.Context, cfg aws.Config, name, policy string) error {
	cl := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name, CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}}); err != nil {
		return err
	}
	_, err := cl.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: &name, Policy: &policy})
	return err
}
