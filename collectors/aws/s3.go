package aws

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/envparity/envparity/snapshot"
)

// collectS3 collects buckets (aws.s3.bucket). S3 is global: it runs once per
// source, and keeps the buckets whose region is one of the source's regions
// (all buckets when the source names no regions).
func collectS3(ctx context.Context, r *region) ([]item, error) {
	clients := map[string]*s3.Client{}
	var mu sync.Mutex
	client := func(rg string) *s3.Client {
		mu.Lock()
		defer mu.Unlock()
		if rg == "" {
			rg = r.name
		}
		if c := clients[rg]; c != nil {
			return c
		}
		cfg := r.cfg.Copy()
		cfg.Region = rg
		c := s3.NewFromConfig(cfg)
		clients[rg] = c
		return c
	}
	var buckets []s3types.Bucket
	p := s3.NewListBucketsPaginator(client(r.name), &s3.ListBucketsInput{MaxBuckets: aws.Int32(1000)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("ListBuckets: %w", err)
		}
		buckets = append(buckets, out.Buckets...)
	}
	if len(r.c.regions) > 0 {
		want := map[string]bool{}
		for _, rg := range r.c.regions {
			want[rg] = true
		}
		kept := buckets[:0]
		for _, b := range buckets {
			if rg := deref(b.BucketRegion); rg == "" || want[rg] {
				kept = append(kept, b)
			}
		}
		buckets = kept
	}
	const calls = 6
	attrs := make([]map[string]any, len(buckets))
	for i := range attrs {
		attrs[i] = map[string]any{}
	}
	tags := make([]map[string]string, len(buckets))
	err := r.each(ctx, calls*len(buckets), func(i int) error {
		b := buckets[i/calls]
		name := b.Name
		cl := client(deref(b.BucketRegion))
		var err error
		var set func()
		switch i % calls {
		case 0:
			var out *s3.GetBucketVersioningOutput
			if out, err = cl.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: name}); err == nil {
				v := string(out.Status)
				if v == "" {
					v = "Disabled"
				}
				set = func() { attrs[i/calls]["versioning"] = v }
			}
			err = wrapS3("GetBucketVersioning", name, err)
		case 1:
			var out *s3.GetBucketEncryptionOutput
			out, err = cl.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: name})
			enc := "none"
			if isCode(err, "ServerSideEncryptionConfigurationNotFoundError") {
				err = nil
			} else if err == nil && out.ServerSideEncryptionConfiguration != nil {
				for _, rule := range out.ServerSideEncryptionConfiguration.Rules {
					if d := rule.ApplyServerSideEncryptionByDefault; d != nil {
						enc = string(d.SSEAlgorithm)
					}
				}
			}
			set = func() { attrs[i/calls]["encryption"] = enc }
			err = wrapS3("GetBucketEncryption", name, err)
		case 2:
			var out *s3.GetPublicAccessBlockOutput
			out, err = cl.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: name})
			pab := map[string]any{"block_public_acls": false, "ignore_public_acls": false, "block_public_policy": false, "restrict_public_buckets": false}
			if isCode(err, "NoSuchPublicAccessBlockConfiguration") {
				err = nil
			} else if err == nil && out.PublicAccessBlockConfiguration != nil {
				c := out.PublicAccessBlockConfiguration
				pab = map[string]any{
					"block_public_acls":       aws.ToBool(c.BlockPublicAcls),
					"ignore_public_acls":      aws.ToBool(c.IgnorePublicAcls),
					"block_public_policy":     aws.ToBool(c.BlockPublicPolicy),
					"restrict_public_buckets": aws.ToBool(c.RestrictPublicBuckets),
				}
			}
			set = func() { attrs[i/calls]["public_access_block"] = pab }
			err = wrapS3("GetPublicAccessBlock", name, err)
		case 3:
			var out *s3.GetBucketLifecycleConfigurationOutput
			out, err = cl.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: name})
			n := 0
			if isCode(err, "NoSuchLifecycleConfiguration") {
				err = nil
			} else if err == nil {
				n = len(out.Rules)
			}
			set = func() { attrs[i/calls]["lifecycle_rules"] = n }
			err = wrapS3("GetBucketLifecycleConfiguration", name, err)
		case 4:
			var out *s3.GetBucketTaggingOutput
			out, err = cl.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: name})
			var t map[string]string
			if isCode(err, "NoSuchTagSet") {
				err = nil
			} else if err == nil {
				t = tagMap(out.TagSet, func(t s3types.Tag) (string, string) { return deref(t.Key), deref(t.Value) })
			}
			set = func() { tags[i/calls] = t }
			err = wrapS3("GetBucketTagging", name, err)
		case 5:
			var out *s3.GetBucketPolicyOutput
			out, err = cl.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: name})
			doc := ""
			if isCode(err, "NoSuchBucketPolicy") {
				err = nil
			} else if err == nil {
				doc = deref(out.Policy)
			}
			var pol policyFacts
			if err == nil {
				if pol, err = parsePolicy(doc); err != nil {
					err = fmt.Errorf("bucket policy: %w", err)
				}
			}
			set = func() {
				attrs[i/calls]["policy_principals"] = pol.Principals
				attrs[i/calls]["policy_conditions"] = pol.Conditions
			}
			err = wrapS3("GetBucketPolicy", name, err)
		}
		if err != nil {
			return err
		}
		mu.Lock()
		set()
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	var items []item
	for i, b := range buckets {
		if !r.wanted(tags[i]) {
			continue
		}
		name := deref(b.Name)
		items = append(items, item{
			res:     snapshot.Resource{Type: "aws.s3.bucket", Name: name, ID: "arn:aws:s3:::" + name, Tags: tags[i], Attrs: attrs[i]},
			dimName: "BucketName", dimValue: name,
		})
	}
	return items, nil
}

func wrapS3(op string, bucket *string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s: %w", op, deref(bucket), err)
}

// isCode reports whether err is an API error with the given code.
func isCode(err error, code string) bool {
	var ae smithy.APIError
	return err != nil && errors.As(err, &ae) && ae.ErrorCode() == code
}
