package terraform

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// s3Location is a state stored in S3, read through the SDK's standard
// credential chain (profiles, SSO, roles, AWS_ENDPOINT_URL_S3).
type s3Location struct {
	bucket, key     string
	region, profile string
	getenv          func(string) string
}

func parseS3(p string) (*s3Location, error) {
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "s3" {
		return nil, fmt.Errorf("%q: want a local path or s3://bucket/key", p)
	}
	key := strings.TrimPrefix(u.Path, "/")
	if u.Host == "" || key == "" {
		return nil, fmt.Errorf("%q: want s3://bucket/key", p)
	}
	return &s3Location{bucket: u.Host, key: key}, nil
}

func (l *s3Location) withEnv(getenv func(string) string) *s3Location {
	c := *l
	c.getenv = getenv
	return &c
}

// maxStateSize bounds what is read from S3.
const maxStateSize = 256 << 20

func fetchS3(ctx context.Context, loc *s3Location) ([]byte, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if loc.profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(loc.profile))
	}
	if loc.region != "" {
		opts = append(opts, awsconfig.WithRegion(loc.region))
	}
	if f := loc.getenv("AWS_CONFIG_FILE"); f != "" {
		opts = append(opts, awsconfig.WithSharedConfigFiles([]string{f}))
	}
	if f := loc.getenv("AWS_SHARED_CREDENTIALS_FILE"); f != "" {
		opts = append(opts, awsconfig.WithSharedCredentialsFiles([]string{f}))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.DisableLogOutputChecksumValidationSkipped = true
		// Emulators and private endpoints rarely resolve bucket subdomains.
		if cfg.BaseEndpoint != nil || loc.getenv("AWS_ENDPOINT_URL_S3") != "" || loc.getenv("AWS_ENDPOINT_URL") != "" {
			o.UsePathStyle = true
		}
		if ep := loc.getenv("AWS_ENDPOINT_URL_S3"); ep != "" {
			o.BaseEndpoint = aws.String(ep)
		} else if ep := loc.getenv("AWS_ENDPOINT_URL"); ep != "" && cfg.BaseEndpoint == nil {
			o.BaseEndpoint = aws.String(ep)
		}
	})
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(loc.bucket), Key: aws.String(loc.key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, maxStateSize+1))
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", loc.bucket, loc.key, err)
	}
	if len(data) > maxStateSize {
		return nil, fmt.Errorf("s3://%s/%s is larger than %d bytes", loc.bucket, loc.key, maxStateSize)
	}
	return data, nil
}
