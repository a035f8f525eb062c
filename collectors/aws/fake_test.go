package aws

import (
	"encoding/json"
	"fmt"
	"hash/crc32"
	"html"
	"io"
	"maps"
	"math/rand"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// fakeSpec is how many things of each kind one environment has per region.
type fakeSpec struct {
	RDSInstances, RDSParamGroups, RDSClusters, RDSClusterParamGroups int
	EC2Groups, EC2PerGroup                                           int
	ASGs                                                             int
	LoadBalancers, TargetGroups                                      int
	CacheGroups                                                      int
	ECSClusters, ECSServicesPerCluster, ECSTaskFamilies              int
	Functions                                                        int
	Queues                                                           int
	Parameters                                                       int
	Buckets                                                          int // global: per environment, not per region
	Tables                                                           int
	BeanstalkEnvs                                                    int
	Alarms                                                           int
	Roles                                                            int // global: per environment
	Topics, VPCs, Peerings                                           int
}

// resources is the number of snapshot resources the spec yields per region
// (buckets excluded: they are per environment).
func (s fakeSpec) resources() int {
	return s.RDSInstances + s.RDSClusters + s.EC2Groups + s.ASGs + s.LoadBalancers + s.TargetGroups + s.CacheGroups +
		s.ECSClusters*s.ECSServicesPerCluster + s.Functions + s.Queues + s.Parameters + s.Tables + s.BeanstalkEnvs +
		s.Topics + s.VPCs + s.Peerings
}

// perSource is the number of resources the spec yields once per source:
// buckets and roles (global services) and the account.
func (s fakeSpec) perSource() int { return s.Buckets + s.Roles + 1 }

// smallSpec has a few of everything.
var smallSpec = fakeSpec{
	RDSInstances: 3, RDSParamGroups: 2, RDSClusters: 1, RDSClusterParamGroups: 1,
	EC2Groups: 2, EC2PerGroup: 2, ASGs: 2, LoadBalancers: 2, TargetGroups: 3, CacheGroups: 2,
	ECSClusters: 1, ECSServicesPerCluster: 3, ECSTaskFamilies: 2, Functions: 3, Queues: 3,
	Parameters: 12, Buckets: 2, Tables: 2, BeanstalkEnvs: 1, Alarms: 6,
	Roles: 2, Topics: 2, VPCs: 2, Peerings: 1,
}

// fakeAWS is an httptest handler that speaks just enough of every protocol
// the collector uses (query, EC2 query, JSON 1.0/1.1, REST-JSON, REST-XML,
// rpc-v2-cbor) to serve a generated world per environment (told apart by
// access key) and region (from the SigV4 scope), with latency and faults.
type fakeAWS struct {
	spec    fakeSpec
	latency time.Duration
	pageCap int

	// throttle is the share of calls answered with a throttling error.
	throttle float64
	rndMu    sync.Mutex
	rnd      *rand.Rand
	// broken maps a service to the fault it answers every call with:
	// "500", "AccessDenied" or "hang".
	broken map[string]string

	calls     atomic.Int64
	throttled atomic.Int64
	mu        sync.Mutex
	ops       []wireOp

	// org is the organization the fake serves to ListAccounts; worlds maps
	// an account id to the world (environment name) a role assumed there
	// acts in. deniedRoles refuses AssumeRole into these accounts and
	// brokenIn breaks a service in one world only.
	org         []fakeAccount
	worlds      map[string]string
	deniedRoles map[string]bool
	brokenIn    map[string]map[string]string // world → service → fault
	ouParent    map[string]string            // OU id → parent (OU or root) id
	assumed     atomic.Int64
}

// fakeAccount is an account of the fake's organization.
type fakeAccount struct {
	id, name, alias, parent, state string
	tags                           map[string]string
}

func newFake(spec fakeSpec) *fakeAWS {
	return &fakeAWS{spec: spec, pageCap: 100, rnd: rand.New(rand.NewSource(1)), broken: map[string]string{},
		worlds: map[string]string{}, deniedRoles: map[string]bool{}, brokenIn: map[string]map[string]string{}}
}

var signingToService = map[string]string{
	"rds": "rds", "ec2": "ec2", "autoscaling": "autoscaling", "elasticloadbalancing": "elbv2",
	"elasticache": "elasticache", "ecs": "ecs", "lambda": "lambda", "sqs": "sqs", "ssm": "ssm",
	"s3": "s3", "dynamodb": "dynamodb", "elasticbeanstalk": "elasticbeanstalk", "monitoring": "cloudwatch",
	"sts": "sts", "iam": "iam", "sns": "sns", "organizations": "organizations", "tagging": "tagging",
}

type fakeReq struct {
	env, region, service, op string
	form                     url.Values
	body                     map[string]any
	r                        *http.Request
}

func (f *fakeAWS) operations() []wireOp {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]wireOp(nil), f.ops...)
}

func (f *fakeAWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	q := fakeReq{r: r}
	auth := r.Header.Get("Authorization")
	if i := strings.Index(auth, "Credential="); i >= 0 {
		parts := strings.Split(strings.SplitN(auth[i+len("Credential="):], ",", 2)[0], "/")
		if len(parts) >= 4 {
			q.env = strings.ToLower(strings.TrimPrefix(parts[0], "AKIDTEST"))
			q.region = parts[2]
			q.service = signingToService[parts[3]]
		}
	}
	body, _ := io.ReadAll(r.Body)
	op := wireOp{Method: r.Method, Path: r.URL.Path}
	switch {
	case r.Header.Get("X-Amz-Target") != "":
		t := r.Header.Get("X-Amz-Target")
		q.op = t[strings.LastIndex(t, ".")+1:]
		_ = json.Unmarshal(body, &q.body)
	case strings.Contains(r.URL.Path, "/operation/"):
		q.op = r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		if v, err := cbor.Decode(body); err == nil {
			if m, ok := v.(cbor.Map); ok {
				q.body = map[string]any{}
				if s, ok := m["NextToken"].(cbor.String); ok {
					q.body["NextToken"] = string(s)
				}
			}
		}
	case strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		q.form, _ = url.ParseQuery(string(body))
		q.op = q.form.Get("Action")
	default:
		q.op = restOp(q.service, r)
	}
	if q.op != "" && q.service != "s3" && q.service != "lambda" {
		op.Name = q.op
	}
	op.Service, op.Op = q.service, q.op
	f.mu.Lock()
	f.ops = append(f.ops, op)
	f.mu.Unlock()

	fault := f.broken[q.service]
	if b := f.brokenIn[q.env][q.service]; b != "" {
		fault = b
	}
	switch fault {
	case "hang":
		<-r.Context().Done()
		return
	case "500":
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, "internal error")
		return
	case "AccessDenied":
		f.fail(w, q, http.StatusForbidden, "AccessDenied")
		return
	}
	if f.latency > 0 {
		select {
		case <-time.After(f.latency):
		case <-r.Context().Done():
			return
		}
	}
	if f.throttle > 0 {
		f.rndMu.Lock()
		hit := f.rnd.Float64() < f.throttle
		f.rndMu.Unlock()
		if hit {
			f.throttled.Add(1)
			f.fail(w, q, http.StatusBadRequest, "Throttling")
			return
		}
	}
	f.serve(w, q)
}

// restOp names the operation of a REST call (S3, Lambda).
func restOp(service string, r *http.Request) string {
	p := r.URL.Path
	switch service {
	case "lambda":
		switch {
		case strings.TrimSuffix(p, "/") == "/2015-03-31/functions":
			return "ListFunctions"
		case strings.HasPrefix(p, "/2015-03-31/functions/"):
			return "GetFunction"
		case strings.HasPrefix(p, "/2017-03-31/tags/"):
			return "ListTags"
		case strings.HasSuffix(p, "/concurrency"):
			return "GetFunctionConcurrency"
		}
	case "s3":
		v := r.URL.Query()
		if p == "/" || p == "" {
			return "ListBuckets"
		}
		for _, k := range []string{"versioning", "encryption", "publicAccessBlock", "lifecycle", "tagging", "policy"} {
			if _, ok := v[k]; ok {
				return "GetBucket:" + k
			}
		}
	}
	return r.Method + " " + p
}

// fail answers an error in the protocol of the service.
func (f *fakeAWS) fail(w http.ResponseWriter, q fakeReq, status int, code string) {
	switch q.service {
	case "ec2":
		if code == "Throttling" {
			code = "RequestLimitExceeded"
		}
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<Response><Errors><Error><Code>%s</Code><Message>fake %s</Message></Error></Errors><RequestID>req</RequestID></Response>`, code, code)
	case "rds", "autoscaling", "elbv2", "elasticache", "elasticbeanstalk", "sts", "iam", "sns":
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>fake %s</Message></Error><RequestId>req</RequestId></ErrorResponse>`, code, code)
	case "s3":
		if code == "Throttling" {
			code, status = "SlowDown", http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<Error><Code>%s</Code><Message>fake %s</Message><RequestId>req</RequestId></Error>`, code, code)
	case "lambda":
		if code == "Throttling" {
			code, status = "TooManyRequestsException", http.StatusTooManyRequests
		} else {
			code = "AccessDeniedException"
		}
		w.Header().Set("X-Amzn-Errortype", code)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"message":"fake %s"}`, code)
	case "cloudwatch":
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		w.Header().Set("Content-Type", "application/cbor")
		w.WriteHeader(status)
		_, _ = w.Write(cbor.Encode(cbor.Map{"__type": cbor.String(code), "message": cbor.String("fake " + code)}))
	default: // JSON protocols
		if code == "Throttling" {
			code = "ThrottlingException"
		} else {
			code = "AccessDeniedException"
		}
		body := fmt.Sprintf(`{"__type":"%s","message":"fake %s"}`, code, code)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10))
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// page returns the window [from,to) of total items after marker, and the next marker.
func (f *fakeAWS) page(total int, marker string, max int) (from, to int, next string) {
	from, _ = strconv.Atoi(marker)
	if max <= 0 || max > f.pageCap {
		max = f.pageCap
	}
	to = from + max
	if to >= total {
		return from, total, ""
	}
	return from, to, strconv.Itoa(to)
}

func (q fakeReq) formInt(k string) int { n, _ := strconv.Atoi(q.form.Get(k)); return n }
func (q fakeReq) bodyStr(k string) string {
	s, _ := q.body[k].(string)
	return s
}
func (q fakeReq) bodyInt(k string) int {
	n, _ := q.body[k].(float64)
	return int(n)
}

func x(s string) string { return html.EscapeString(s) }

func writeQuery(w http.ResponseWriter, op, inner string) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse><%sResult>%s</%sResult><ResponseMetadata><RequestId>req</RequestId></ResponseMetadata></%sResponse>`, op, op, inner, op, op)
}

func writeJSON(w http.ResponseWriter, v any) {
	body, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	_, _ = w.Write(body)
}

func optMarker(tag, next string) string {
	if next == "" {
		return ""
	}
	return "<" + tag + ">" + next + "</" + tag + ">"
}

func (f *fakeAWS) serve(w http.ResponseWriter, q fakeReq) {
	s, env, rg := f.spec, q.env, q.region
	acct := map[string]string{"prod": "111111111111", "staging": "222222222222"}[env]
	for id, w := range f.worlds {
		if w == env {
			acct = id
		}
	}
	if acct == "" {
		acct = "999999999999"
	}
	name := func(kind string, i int) string { return fmt.Sprintf("%s-%s-%03d", env, kind, i) }
	arn := func(svc, rest string) string { return fmt.Sprintf("arn:aws:%s:%s:%s:%s", svc, rg, acct, rest) }
	tag := func(i int) string { return fmt.Sprintf("svc%d", i%4) }
	var b strings.Builder
	switch q.service + "." + q.op {
	case "rds.DescribeDBInstances":
		from, to, next := f.page(s.RDSInstances, q.form.Get("Marker"), q.formInt("MaxRecords"))
		for i := from; i < to; i++ {
			id := name("db", i)
			multi := env == "prod"
			fmt.Fprintf(&b, `<DBInstance><DBInstanceIdentifier>%s</DBInstanceIdentifier><DBInstanceArn>%s</DBInstanceArn><Engine>postgres</Engine><EngineVersion>15.4</EngineVersion><DBInstanceClass>db.r6g.large</DBInstanceClass><AllocatedStorage>100</AllocatedStorage><StorageType>gp3</StorageType><MultiAZ>%t</MultiAZ><StorageEncrypted>true</StorageEncrypted><BackupRetentionPeriod>7</BackupRetentionPeriod><DBParameterGroups><DBParameterGroup><DBParameterGroupName>%s</DBParameterGroupName></DBParameterGroup></DBParameterGroups>`,
				id, arn("rds", "db:"+id), multi, name("pg", i%max(1, s.RDSParamGroups)))
			switch {
			case i%3 == 0 && i+1 < s.RDSInstances:
				fmt.Fprintf(&b, `<ReadReplicaDBInstanceIdentifiers><ReadReplicaDBInstanceIdentifier>%s</ReadReplicaDBInstanceIdentifier></ReadReplicaDBInstanceIdentifiers>`, name("db", i+1))
			case i%3 == 1:
				fmt.Fprintf(&b, `<ReadReplicaSourceDBInstanceIdentifier>%s</ReadReplicaSourceDBInstanceIdentifier>`, name("db", i-1))
			}
			fmt.Fprintf(&b, `<TagList><Tag><Key>service</Key><Value>%s</Value></Tag></TagList></DBInstance>`, tag(i))
		}
		writeQuery(w, q.op, "<DBInstances>"+b.String()+"</DBInstances>"+optMarker("Marker", next))
	case "rds.DescribeDBClusters":
		from, to, next := f.page(s.RDSClusters, q.form.Get("Marker"), q.formInt("MaxRecords"))
		for i := from; i < to; i++ {
			id := name("aurora", i)
			fmt.Fprintf(&b, `<DBCluster><DBClusterIdentifier>%s</DBClusterIdentifier><DBClusterArn>%s</DBClusterArn><Engine>aurora-postgresql</Engine><EngineVersion>15.4</EngineVersion><EngineMode>provisioned</EngineMode><MultiAZ>true</MultiAZ><DBClusterParameterGroup>%s</DBClusterParameterGroup><DBClusterMembers><DBClusterMember><DBInstanceIdentifier>%s-a</DBInstanceIdentifier><IsClusterWriter>true</IsClusterWriter></DBClusterMember><DBClusterMember><DBInstanceIdentifier>%s-b</DBInstanceIdentifier><IsClusterWriter>false</IsClusterWriter></DBClusterMember></DBClusterMembers></DBCluster>`,
				id, arn("rds", "cluster:"+id), name("cpg", i%max(1, s.RDSClusterParamGroups)), id, id)
		}
		writeQuery(w, q.op, "<DBClusters>"+b.String()+"</DBClusters>"+optMarker("Marker", next))
	case "rds.DescribeDBParameters", "rds.DescribeDBClusterParameters":
		v := map[string]string{"prod": "400"}[env]
		if v == "" {
			v = "100"
		}
		inner := fmt.Sprintf(`<Parameters><Parameter><ParameterName>max_connections</ParameterName><ParameterValue>%s</ParameterValue></Parameter><Parameter><ParameterName>idle_in_transaction_session_timeout</ParameterName><ParameterValue>60000</ParameterValue></Parameter></Parameters>`, v)
		writeQuery(w, q.op, inner)
	case "ec2.DescribeInstances":
		total := s.EC2Groups * s.EC2PerGroup
		from, to, next := f.page(total, q.form.Get("NextToken"), q.formInt("MaxResults"))
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, `<item><instanceId>i-%08d</instanceId><imageId>ami-0abc</imageId><instanceType>m6g.large</instanceType><architecture>arm64</architecture><instanceState><code>16</code><name>running</name></instanceState><tagSet><item><key>Name</key><value>%s</value></item><item><key>service</key><value>%s</value></item></tagSet></item>`,
				i, name("web", i/max(1, s.EC2PerGroup)), tag(i/max(1, s.EC2PerGroup)))
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req</requestId><reservationSet><item><reservationId>r-1</reservationId><instancesSet>%s</instancesSet></item></reservationSet>%s</DescribeInstancesResponse>`, b.String(), optMarker("nextToken", next))
	case "autoscaling.DescribeAutoScalingGroups":
		from, to, next := f.page(s.ASGs, q.form.Get("NextToken"), q.formInt("MaxRecords"))
		for i := from; i < to; i++ {
			maxSize := 10
			if i == 0 && env == "prod" {
				maxSize = 1
			}
			fmt.Fprintf(&b, `<member><AutoScalingGroupName>%s</AutoScalingGroupName><AutoScalingGroupARN>%s</AutoScalingGroupARN><MinSize>1</MinSize><MaxSize>%d</MaxSize><DesiredCapacity>1</DesiredCapacity><HealthCheckType>ELB</HealthCheckType><HealthCheckGracePeriod>300</HealthCheckGracePeriod><LaunchTemplate><LaunchTemplateName>%s</LaunchTemplateName><Version>$Latest</Version></LaunchTemplate><Instances><member><InstanceId>i-1</InstanceId><InstanceType>m6g.large</InstanceType></member></Instances><Tags><member><Key>service</Key><Value>%s</Value></member></Tags></member>`,
				name("asg", i), arn("autoscaling", "autoScalingGroup:x:autoScalingGroupName/"+name("asg", i)), maxSize, name("lt", i), tag(i))
		}
		writeQuery(w, q.op, "<AutoScalingGroups>"+b.String()+"</AutoScalingGroups>"+optMarker("NextToken", next))
	case "autoscaling.DescribePolicies":
		for i := 0; i < s.ASGs; i++ {
			fmt.Fprintf(&b, `<member><AutoScalingGroupName>%s</AutoScalingGroupName><PolicyName>cpu</PolicyName></member>`, name("asg", i))
		}
		writeQuery(w, q.op, "<ScalingPolicies>"+b.String()+"</ScalingPolicies>")
	case "elbv2.DescribeLoadBalancers":
		from, to, next := f.page(s.LoadBalancers, q.form.Get("Marker"), q.formInt("PageSize"))
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, `<member><LoadBalancerArn>%s</LoadBalancerArn><LoadBalancerName>%s</LoadBalancerName><Type>application</Type><Scheme>internet-facing</Scheme><IpAddressType>ipv4</IpAddressType><AvailabilityZones><member><ZoneName>%sa</ZoneName></member><member><ZoneName>%sb</ZoneName></member></AvailabilityZones></member>`,
				arn("elasticloadbalancing", "loadbalancer/app/"+name("lb", i)+"/abc"), name("lb", i), rg, rg)
		}
		writeQuery(w, q.op, "<LoadBalancers>"+b.String()+"</LoadBalancers>"+optMarker("NextMarker", next))
	case "elbv2.DescribeTargetGroups":
		from, to, next := f.page(s.TargetGroups, q.form.Get("Marker"), q.formInt("PageSize"))
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, `<member><TargetGroupArn>%s</TargetGroupArn><TargetGroupName>%s</TargetGroupName><Protocol>HTTP</Protocol><Port>8080</Port><TargetType>ip</TargetType><HealthCheckProtocol>HTTP</HealthCheckProtocol><HealthCheckPath>/healthz</HealthCheckPath><HealthCheckIntervalSeconds>30</HealthCheckIntervalSeconds><HealthCheckTimeoutSeconds>5</HealthCheckTimeoutSeconds><HealthyThresholdCount>5</HealthyThresholdCount><UnhealthyThresholdCount>2</UnhealthyThresholdCount></member>`,
				arn("elasticloadbalancing", "targetgroup/"+name("tg", i)+"/def"), name("tg", i))
		}
		writeQuery(w, q.op, "<TargetGroups>"+b.String()+"</TargetGroups>"+optMarker("NextMarker", next))
	case "elbv2.DescribeTags":
		for i := 1; ; i++ {
			a := q.form.Get(fmt.Sprintf("ResourceArns.member.%d", i))
			if a == "" {
				break
			}
			fmt.Fprintf(&b, `<member><ResourceArn>%s</ResourceArn><Tags><member><Key>service</Key><Value>web</Value></member></Tags></member>`, x(a))
		}
		writeQuery(w, q.op, "<TagDescriptions>"+b.String()+"</TagDescriptions>")
	case "elbv2.DescribeListeners":
		writeQuery(w, q.op, `<Listeners><member><Port>443</Port><Protocol>HTTPS</Protocol><SslPolicy>ELBSecurityPolicy-TLS13-1-2-2021-06</SslPolicy><Certificates><member><CertificateArn>arn:aws:acm:x</CertificateArn></member></Certificates></member><member><Port>80</Port><Protocol>HTTP</Protocol></member></Listeners>`)
	case "elbv2.DescribeTargetGroupAttributes":
		writeQuery(w, q.op, `<Attributes><member><Key>deregistration_delay.timeout_seconds</Key><Value>300</Value></member><member><Key>stickiness.enabled</Key><Value>false</Value></member></Attributes>`)
	case "elasticache.DescribeReplicationGroups":
		from, to, next := f.page(s.CacheGroups, q.form.Get("Marker"), q.formInt("MaxRecords"))
		for i := from; i < to; i++ {
			id := name("redis", i)
			fmt.Fprintf(&b, `<ReplicationGroup><ReplicationGroupId>%s</ReplicationGroupId><ARN>%s</ARN><CacheNodeType>cache.r6g.large</CacheNodeType><ClusterEnabled>false</ClusterEnabled><AutomaticFailover>enabled</AutomaticFailover><MultiAZ>enabled</MultiAZ><TransitEncryptionEnabled>true</TransitEncryptionEnabled><AtRestEncryptionEnabled>true</AtRestEncryptionEnabled><NodeGroups><NodeGroup><NodeGroupId>0001</NodeGroupId><NodeGroupMembers><NodeGroupMember><CacheClusterId>%s-001</CacheClusterId></NodeGroupMember><NodeGroupMember><CacheClusterId>%s-002</CacheClusterId></NodeGroupMember></NodeGroupMembers></NodeGroup></NodeGroups></ReplicationGroup>`,
				id, arn("elasticache", "replicationgroup:"+id), id, id)
		}
		writeQuery(w, q.op, "<ReplicationGroups>"+b.String()+"</ReplicationGroups>"+optMarker("Marker", next))
	case "elasticache.DescribeCacheClusters":
		for i := 0; i < s.CacheGroups; i++ {
			fmt.Fprintf(&b, `<CacheCluster><CacheClusterId>%s-001</CacheClusterId><ReplicationGroupId>%s</ReplicationGroupId><Engine>redis</Engine><EngineVersion>7.1</EngineVersion></CacheCluster>`, name("redis", i), name("redis", i))
		}
		writeQuery(w, q.op, "<CacheClusters>"+b.String()+"</CacheClusters>")
	case "elasticache.ListTagsForResource":
		writeQuery(w, q.op, `<TagList><Tag><Key>service</Key><Value>cache</Value></Tag></TagList>`)
	case "elasticbeanstalk.DescribeEnvironments":
		for i := 0; i < s.BeanstalkEnvs; i++ {
			fmt.Fprintf(&b, `<member><EnvironmentName>%s</EnvironmentName><EnvironmentArn>%s</EnvironmentArn><ApplicationName>%s</ApplicationName><PlatformArn>arn:aws:elasticbeanstalk:%s::platform/Python 3.11 running on 64bit Amazon Linux 2023/4.0.0</PlatformArn><SolutionStackName>64bit Amazon Linux 2023 v4.0.0 running Python 3.11</SolutionStackName><Tier><Name>WebServer</Name><Type>Standard</Type></Tier></member>`,
				name("eb", i), arn("elasticbeanstalk", "environment/app/"+name("eb", i)), name("app", i), rg)
		}
		writeQuery(w, q.op, "<Environments>"+b.String()+"</Environments>")
	case "elasticbeanstalk.DescribeConfigurationSettings":
		writeQuery(w, q.op, `<ConfigurationSettings><member><OptionSettings><member><Namespace>aws:autoscaling:asg</Namespace><OptionName>MinSize</OptionName><Value>2</Value></member><member><Namespace>aws:autoscaling:asg</Namespace><OptionName>MaxSize</OptionName><Value>4</Value></member><member><Namespace>aws:ec2:instances</Namespace><OptionName>InstanceTypes</OptionName><Value>t3.small, t3.medium</Value></member><member><Namespace>aws:elasticbeanstalk:application:environment</Namespace><OptionName>DATABASE_URL</OptionName><Value>postgres://u:p@h/db</Value></member></OptionSettings></member></ConfigurationSettings>`)
	case "elasticbeanstalk.ListTagsForResource":
		writeQuery(w, q.op, `<ResourceTags><member><Key>service</Key><Value>eb</Value></member></ResourceTags>`)
	case "sqs.ListQueues":
		from, to, next := f.page(s.Queues, q.bodyStr("NextToken"), q.bodyInt("MaxResults"))
		var urls []string
		for i := from; i < to; i++ {
			urls = append(urls, fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", rg, acct, name("queue", i)))
		}
		out := map[string]any{"QueueUrls": urls}
		if next != "" {
			out["NextToken"] = next
		}
		writeJSON(w, out)
	case "sqs.GetQueueAttributes":
		u := q.bodyStr("QueueUrl")
		qn := u[strings.LastIndex(u, "/")+1:]
		at := map[string]string{"QueueArn": arn("sqs", qn), "VisibilityTimeout": "30", "MessageRetentionPeriod": "345600", "DelaySeconds": "0", "MaximumMessageSize": "262144", "ReceiveMessageWaitTimeSeconds": "20", "SqsManagedSseEnabled": "true"}
		if env == "prod" {
			at["RedrivePolicy"] = fmt.Sprintf(`{"deadLetterTargetArn":"%s","maxReceiveCount":5}`, arn("sqs", qn+"-dlq"))
		}
		writeJSON(w, map[string]any{"Attributes": at})
	case "sqs.ListQueueTags":
		writeJSON(w, map[string]any{"Tags": map[string]string{"service": "queue"}})
	case "ssm.DescribeParameters":
		from, to, next := f.page(s.Parameters, q.bodyStr("NextToken"), q.bodyInt("MaxResults"))
		var ps []map[string]any
		for i := from; i < to; i++ {
			typ := "String"
			if i%4 == 3 {
				typ = "SecureString"
			}
			ps = append(ps, map[string]any{"Name": fmt.Sprintf("/%s/app/param_%03d", env, i), "Type": typ, "Tier": "Standard", "DataType": "text"})
		}
		out := map[string]any{"Parameters": ps}
		if next != "" {
			out["NextToken"] = next
		}
		writeJSON(w, out)
	case "ssm.GetParameters":
		var ps []map[string]any
		names, _ := q.body["Names"].([]any)
		for _, n := range names {
			ps = append(ps, map[string]any{"Name": n, "Type": "String", "Value": "true"})
		}
		writeJSON(w, map[string]any{"Parameters": ps, "InvalidParameters": []string{}})
	case "ssm.ListTagsForResource":
		writeJSON(w, map[string]any{"TagList": []any{map[string]any{"Key": "service", "Value": "svc0"}}})
	case "dynamodb.ListTables":
		from, to, next := f.page(s.Tables, q.bodyStr("ExclusiveStartTableName"), q.bodyInt("Limit"))
		var ts []string
		for i := from; i < to; i++ {
			ts = append(ts, name("table", i))
		}
		out := map[string]any{"TableNames": ts}
		if next != "" {
			out["LastEvaluatedTableName"] = next
		}
		writeJSON(w, out)
	case "dynamodb.DescribeTable":
		t := q.bodyStr("TableName")
		writeJSON(w, map[string]any{"Table": map[string]any{
			"TableName": t, "TableArn": arn("dynamodb", "table/"+t),
			"BillingModeSummary": map[string]any{"BillingMode": "PAY_PER_REQUEST"},
			"KeySchema":          []any{map[string]any{"AttributeName": "pk", "KeyType": "HASH"}},
			"GlobalSecondaryIndexes": []any{map[string]any{"IndexName": "by-user", "Projection": map[string]any{"ProjectionType": "ALL"},
				"KeySchema": []any{map[string]any{"AttributeName": "user", "KeyType": "HASH"}}}},
			"StreamSpecification": map[string]any{"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"},
		}})
	case "dynamodb.DescribeContinuousBackups":
		writeJSON(w, map[string]any{"ContinuousBackupsDescription": map[string]any{"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": map[string]any{"PointInTimeRecoveryStatus": "ENABLED"}}})
	case "dynamodb.DescribeTimeToLive":
		writeJSON(w, map[string]any{"TimeToLiveDescription": map[string]any{"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}})
	case "dynamodb.ListTagsOfResource":
		writeJSON(w, map[string]any{"Tags": []any{map[string]any{"Key": "service", "Value": "table"}}})
	case "ecs.ListClusters":
		var cs []string
		for i := 0; i < s.ECSClusters; i++ {
			cs = append(cs, arn("ecs", "cluster/"+name("cluster", i)))
		}
		writeJSON(w, map[string]any{"clusterArns": cs})
	case "ecs.ListServices":
		c := q.bodyStr("cluster")
		from, to, next := f.page(s.ECSServicesPerCluster, q.bodyStr("nextToken"), q.bodyInt("maxResults"))
		var ss []string
		for i := from; i < to; i++ {
			ss = append(ss, arn("ecs", "service/"+c[strings.LastIndex(c, "/")+1:]+"/"+name("svc", i)))
		}
		out := map[string]any{"serviceArns": ss}
		if next != "" {
			out["nextToken"] = next
		}
		writeJSON(w, out)
	case "ecs.DescribeServices":
		c := q.bodyStr("cluster")
		arns, _ := q.body["services"].([]any)
		var ss []any
		for _, a := range arns {
			sa := a.(string)
			sn := sa[strings.LastIndex(sa, "/")+1:]
			i, _ := strconv.Atoi(sn[strings.LastIndex(sn, "-")+1:])
			ss = append(ss, map[string]any{"serviceName": sn, "serviceArn": sa, "clusterArn": c, "desiredCount": 2, "runningCount": 2, "launchType": "FARGATE",
				"taskDefinition": arn("ecs", fmt.Sprintf("task-definition/%s:1", name("task", i%max(1, s.ECSTaskFamilies)))),
				"tags":           []any{map[string]any{"key": "service", "value": "ecs"}}})
		}
		writeJSON(w, map[string]any{"services": ss, "failures": []any{}})
	case "ecs.DescribeTaskDefinition":
		td := q.bodyStr("taskDefinition")
		fam := strings.TrimSuffix(td[strings.LastIndex(td, "/")+1:], ":1")
		writeJSON(w, map[string]any{"taskDefinition": map[string]any{"family": fam, "cpu": "512", "memory": "1024",
			"containerDefinitions": []any{map[string]any{"name": "app", "image": acct + ".dkr.ecr." + rg + ".amazonaws.com/orders:1.4.2", "essential": true,
				"environment": []any{map[string]any{"name": "LOG_LEVEL", "value": "info"}},
				"secrets":     []any{map[string]any{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:x"}},
				"healthCheck": map[string]any{"command": []string{"CMD", "true"}}}}}})
	case "lambda.ListFunctions":
		from, to, next := f.page(s.Functions, q.r.URL.Query().Get("Marker"), 0)
		var fs []any
		for i := from; i < to; i++ {
			fs = append(fs, map[string]any{"FunctionName": name("fn", i), "FunctionArn": arn("lambda", "function:"+name("fn", i)), "Runtime": "python3.12",
				"MemorySize": 512, "Timeout": 30, "Architectures": []string{"arm64"}, "PackageType": "Zip", "Handler": "app.handler",
				"Environment": map[string]any{"Variables": map[string]string{"TABLE": "x", "STAGE": env}}})
		}
		out := map[string]any{"Functions": fs}
		if next != "" {
			out["NextMarker"] = next
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	case "lambda.GetFunction":
		fn := lastSegment(strings.TrimPrefix(q.r.URL.Path, "/2015-03-31/functions/"), ":")
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"Configuration": map[string]any{"FunctionName": fn, "FunctionArn": arn("lambda", "function:"+fn), "Runtime": "python3.12"},
			"Tags":          map[string]string{"service": "fn"},
			"Concurrency":   map[string]any{"ReservedConcurrentExecutions": 10},
		})
	case "tagging.GetResources":
		type mapping struct {
			arn  string
			tags map[string]string
		}
		var all []mapping
		types, _ := q.body["ResourceTypeFilters"].([]any)
		for _, t := range types {
			switch t {
			case "sqs":
				for i := 0; i < s.Queues; i++ {
					all = append(all, mapping{arn("sqs", name("queue", i)), map[string]string{"service": "queue"}})
				}
			case "dynamodb:table":
				for i := 0; i < s.Tables; i++ {
					all = append(all, mapping{arn("dynamodb", "table/"+name("table", i)), map[string]string{"service": "table"}})
				}
			case "elasticache:replicationgroup":
				for i := 0; i < s.CacheGroups; i++ {
					all = append(all, mapping{arn("elasticache", "replicationgroup:"+name("redis", i)), map[string]string{"service": "cache"}})
				}
			case "elasticbeanstalk:environment":
				for i := 0; i < s.BeanstalkEnvs; i++ {
					all = append(all, mapping{arn("elasticbeanstalk", "environment/app/"+name("eb", i)), map[string]string{"service": "eb"}})
				}
			case "ssm:parameter":
				for i := 0; i < s.Parameters; i++ {
					all = append(all, mapping{arn("ssm", fmt.Sprintf("parameter/%s/app/param_%03d", env, i)), map[string]string{"service": "svc0"}})
				}
			}
		}
		from, to, next := f.page(len(all), q.bodyStr("PaginationToken"), q.bodyInt("ResourcesPerPage"))
		var list []any
		for _, m := range all[from:to] {
			var tags []any
			for _, k := range slices.Sorted(maps.Keys(m.tags)) {
				tags = append(tags, map[string]any{"Key": k, "Value": m.tags[k]})
			}
			list = append(list, map[string]any{"ResourceARN": m.arn, "Tags": tags})
		}
		writeJSON(w, map[string]any{"ResourceTagMappingList": list, "PaginationToken": next})
	case "s3.ListBuckets":
		from, to, next := f.page(s.Buckets, q.r.URL.Query().Get("continuation-token"), 0)
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, `<Bucket><Name>%s</Name><BucketRegion>%s</BucketRegion><CreationDate>2026-01-01T00:00:00Z</CreationDate></Bucket>`, name("bucket", i), rg)
		}
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<ListAllMyBucketsResult><Buckets>%s</Buckets>%s</ListAllMyBucketsResult>`, b.String(), optMarker("ContinuationToken", next))
	case "s3.GetBucket:versioning":
		fmt.Fprint(w, `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`)
	case "s3.GetBucket:encryption":
		fmt.Fprint(w, `<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`)
	case "s3.GetBucket:publicAccessBlock":
		fmt.Fprint(w, `<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`)
	case "s3.GetBucket:lifecycle":
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `<Error><Code>NoSuchLifecycleConfiguration</Code><Message>none</Message></Error>`)
	case "s3.GetBucket:tagging":
		fmt.Fprint(w, `<Tagging><TagSet><Tag><Key>service</Key><Value>bucket</Value></Tag></TagSet></Tagging>`)
	case "cloudwatch.DescribeAlarms":
		var alarms cbor.List
		for i := 0; i < s.Alarms; i++ {
			dims := cbor.List{cbor.Map{"Name": cbor.String("DBInstanceIdentifier"), "Value": cbor.String(name("db", i%max(1, s.RDSInstances)))}}
			if i%2 == 1 {
				dims = cbor.List{cbor.Map{"Name": cbor.String("QueueName"), "Value": cbor.String(name("queue", i%max(1, s.Queues)))}}
			}
			alarms = append(alarms, cbor.Map{"AlarmName": cbor.String(fmt.Sprintf("alarm-%d", i)), "Dimensions": dims})
		}
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		w.Header().Set("Content-Type", "application/cbor")
		_, _ = w.Write(cbor.Encode(cbor.Map{"MetricAlarms": alarms}))
	case "s3.GetBucket:policy":
		if strings.HasSuffix(q.r.URL.Path, "-000") {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `<Error><Code>NoSuchBucketPolicy</Code><Message>none</Message></Error>`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:role/reader"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::%s/*"}]}`, acct, strings.Trim(q.r.URL.Path, "/"))
	case "sts.AssumeRole":
		role := q.form.Get("RoleArn")
		id := strings.Split(role, ":")[4]
		world, ok := f.worlds[id]
		if !ok || f.deniedRoles[id] {
			f.fail(w, q, http.StatusForbidden, "AccessDenied")
			return
		}
		f.assumed.Add(1)
		writeQuery(w, q.op, fmt.Sprintf(`<Credentials><AccessKeyId>AKIDTEST%s</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::%s:assumed-role/%s/envparity</Arn><AssumedRoleId>AROA:envparity</AssumedRoleId></AssumedRoleUser>`,
			strings.ToUpper(world), id, lastSegment(role, "/")))
	case "iam.ListAccountAliases":
		alias := ""
		for _, a := range f.org {
			if a.id == acct && a.alias != "" {
				alias = "<member>" + a.alias + "</member>"
			}
		}
		writeQuery(w, q.op, "<AccountAliases>"+alias+"</AccountAliases><IsTruncated>false</IsTruncated>")
	case "organizations.ListAccounts", "organizations.ListAccountsForParent":
		var in []fakeAccount
		for _, a := range f.org {
			if q.op == "ListAccounts" || a.parent == q.bodyStr("ParentId") {
				in = append(in, a)
			}
		}
		from, to, next := f.page(len(in), q.bodyStr("NextToken"), 2)
		var as []any
		for _, a := range in[from:to] {
			state := a.state
			if state == "" {
				state = "ACTIVE"
			}
			as = append(as, map[string]any{"Id": a.id, "Name": a.name, "Arn": "arn:aws:organizations::000000000000:account/o-x/" + a.id, "State": state, "Email": "x@example.com"})
		}
		out := map[string]any{"Accounts": as}
		if next != "" {
			out["NextToken"] = next
		}
		writeJSON(w, out)
	case "organizations.ListOrganizationalUnitsForParent":
		var ous []any
		for _, ou := range slices.Sorted(maps.Keys(f.ouParent)) {
			if f.ouParent[ou] == q.bodyStr("ParentId") {
				ous = append(ous, map[string]any{"Id": ou, "Name": ou})
			}
		}
		writeJSON(w, map[string]any{"OrganizationalUnits": ous})
	case "organizations.ListTagsForResource":
		var tags []any
		for _, a := range f.org {
			if a.id == q.bodyStr("ResourceId") {
				for _, k := range slices.Sorted(maps.Keys(a.tags)) {
					tags = append(tags, map[string]any{"Key": k, "Value": a.tags[k]})
				}
			}
		}
		writeJSON(w, map[string]any{"Tags": tags})
	case "sts.GetCallerIdentity":
		writeQuery(w, q.op, fmt.Sprintf(`<Arn>arn:aws:sts::%s:assumed-role/envparity-readonly/envparity</Arn><UserId>AROA:envparity</UserId><Account>%s</Account>`, acct, acct))
	case "iam.ListRoles":
		from, to, next := f.page(s.Roles, q.form.Get("Marker"), q.formInt("MaxItems"))
		for i := from; i < to; i++ {
			trust := url.QueryEscape(fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com","AWS":["arn:aws:iam::%s:root"]},"Action":"sts:AssumeRole"}]}`, acct))
			fmt.Fprintf(&b, `<member><Path>/</Path><RoleName>%s</RoleName><RoleId>AROA%d</RoleId><Arn>arn:aws:iam::%s:role/%s</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>%s</AssumeRolePolicyDocument></member>`,
				name("role", i), i, acct, name("role", i), trust)
		}
		// A service-linked role, which is left out.
		fmt.Fprintf(&b, `<member><Path>/aws-service-role/rds.amazonaws.com/</Path><RoleName>AWSServiceRoleForRDS</RoleName><RoleId>AROASLR</RoleId><Arn>arn:aws:iam::%s:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS</Arn><CreateDate>2026-01-01T00:00:00Z</CreateDate></member>`, acct)
		truncated := next != ""
		writeQuery(w, q.op, "<Roles>"+b.String()+"</Roles>"+fmt.Sprintf("<IsTruncated>%t</IsTruncated>", truncated)+optMarker("Marker", next))
	case "sns.ListTopics":
		from, to, next := f.page(s.Topics, q.form.Get("NextToken"), 0)
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, `<member><TopicArn>%s</TopicArn></member>`, arn("sns", name("topic", i)))
		}
		writeQuery(w, q.op, "<Topics>"+b.String()+"</Topics>"+optMarker("NextToken", next))
	case "sns.GetTopicAttributes":
		pol := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"SNS:Publish","Resource":"%s","Condition":{"StringEquals":{"AWS:SourceOwner":"%s"}}}]}`, x(q.form.Get("TopicArn")), acct)
		writeQuery(w, q.op, `<Attributes><entry><key>Policy</key><value>`+x(pol)+`</value></entry></Attributes>`)
	case "sns.ListSubscriptionsByTopic":
		fmt.Fprintf(&b, `<member><Protocol>sqs</Protocol><Endpoint>%s</Endpoint><TopicArn>%s</TopicArn></member><member><Protocol>email</Protocol><Endpoint>oncall@%s.example.com</Endpoint><TopicArn>%s</TopicArn></member>`,
			arn("sqs", name("queue", 0)), x(q.form.Get("TopicArn")), env, x(q.form.Get("TopicArn")))
		writeQuery(w, q.op, "<Subscriptions>"+b.String()+"</Subscriptions>")
	case "sns.ListTagsForResource":
		writeQuery(w, q.op, `<Tags><member><Key>service</Key><Value>topic</Value></member></Tags>`)
	case "ec2.DescribeVpcs":
		for i := 0; i < s.VPCs; i++ {
			fmt.Fprintf(&b, `<item><vpcId>vpc-%s%03d</vpcId><ownerId>%s</ownerId><cidrBlock>10.%d.0.0/16</cidrBlock><isDefault>%t</isDefault><cidrBlockAssociationSet><item><cidrBlock>10.%d.0.0/16</cidrBlock><cidrBlockState><state>associated</state></cidrBlockState></item></cidrBlockAssociationSet><tagSet><item><key>Name</key><value>%s</value></item></tagSet></item>`,
				env, i, acct, i, i == 0, i, name("vpc", i))
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req</requestId><vpcSet>%s</vpcSet></DescribeVpcsResponse>`, b.String())
	case "ec2.DescribeSecurityGroups":
		for i := 0; i < s.VPCs; i++ {
			fmt.Fprintf(&b, `<item><ownerId>%s</ownerId><groupId>sg-%d</groupId><groupName>web</groupName><vpcId>vpc-%s%03d</vpcId><ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>443</fromPort><toPort>443</toPort><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges><groups><item><userId>%s</userId><groupId>sg-9</groupId></item></groups></item></ipPermissions></item>`,
				acct, i, env, i, acct)
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req</requestId><securityGroupInfo>%s</securityGroupInfo></DescribeSecurityGroupsResponse>`, b.String())
	case "ec2.DescribeVpcPeeringConnections":
		for i := 0; i < s.Peerings; i++ {
			fmt.Fprintf(&b, `<item><vpcPeeringConnectionId>pcx-%d</vpcPeeringConnectionId><status><code>active</code></status><requesterVpcInfo><ownerId>%s</ownerId><vpcId>vpc-%s000</vpcId><cidrBlock>10.0.0.0/16</cidrBlock><region>%s</region></requesterVpcInfo><accepterVpcInfo><ownerId>%s</ownerId><vpcId>vpc-%s001</vpcId><cidrBlock>10.1.0.0/16</cidrBlock><region>%s</region></accepterVpcInfo><tagSet><item><key>Name</key><value>%s</value></item></tagSet></item>`,
				i, acct, env, rg, acct, env, rg, name("peering", i))
		}
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprintf(w, `<DescribeVpcPeeringConnectionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req</requestId><vpcPeeringConnectionSet>%s</vpcPeeringConnectionSet></DescribeVpcPeeringConnectionsResponse>`, b.String())
	default:
		f.fail(w, q, http.StatusBadRequest, "UnknownOperation")
	}
}
