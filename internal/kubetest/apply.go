package kubetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// RESTConfig returns a client configuration for one of Users.
func (s *APIServer) RESTConfig(user string) *rest.Config {
	return &rest.Config{
		Host:            s.URL,
		BearerToken:     s.Tokens[user],
		TLSClientConfig: rest.TLSClientConfig{CAFile: s.CAFile},
		QPS:             500, Burst: 1000,
	}
}

// Client writes objects to an API server as admin.
type Client struct {
	dyn    dynamic.Interface
	mapper *restmapper.DeferredDiscoveryRESTMapper
}

// Client returns an admin client.
func (s *APIServer) Client() (*Client, error) {
	cfg := s.RESTConfig("admin")
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Client{dyn: dyn, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disc))}, nil
}

// Apply creates every object of a multi-document YAML text, in order. An
// object with a `status` gets it written through the status subresource
// (nothing else would: no controller runs). A CustomResourceDefinition is
// waited for until it is established.
func (c *Client) Apply(ctx context.Context, manifests []byte) error {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(manifests), 4096)
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if len(obj) == 0 {
			continue
		}
		if err := c.Create(ctx, &unstructured.Unstructured{Object: obj}); err != nil {
			return err
		}
	}
}

// Create creates one object (and its status, see Apply).
func (c *Client) Create(ctx context.Context, u *unstructured.Unstructured) error {
	ri, err := c.resource(u)
	if err != nil {
		return err
	}
	status, hasStatus := u.Object["status"]
	created, err := ri.Create(ctx, u, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
	}
	if hasStatus {
		created.Object["status"] = status
		if _, err := ri.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("status of %s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
		}
	}
	if u.GetKind() == "CustomResourceDefinition" {
		c.mapper.Reset()
		return c.waitEstablished(ctx, ri, u.GetName())
	}
	return nil
}

func (c *Client) resource(u *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	gvk := u.GroupVersionKind()
	mapping, err := c.mapper.RESTMapping(schema.GroupKind{Group: gvk.Group, Kind: gvk.Kind}, gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", gvk, err)
	}
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		ns := u.GetNamespace()
		if ns == "" {
			ns = "default"
		}
		return c.dyn.Resource(mapping.Resource).Namespace(ns), nil
	}
	return c.dyn.Resource(mapping.Resource), nil
}

func (c *Client) waitEstablished(ctx context.Context, ri dynamic.ResourceInterface, name string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		got, err := ri.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		conds, _, _ := unstructured.NestedSlice(got.Object, "status", "conditions")
		for _, cond := range conds {
			m, _ := cond.(map[string]any)
			if m["type"] == "Established" && m["status"] == "True" {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("CustomResourceDefinition %s not established after 30 s", name)
}

// Delete deletes an object by kind, namespace and name.
func (c *Client) Delete(ctx context.Context, apiVersion, kind, namespace, name string) error {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetNamespace(namespace)
	ri, err := c.resource(u)
	if err != nil {
		return err
	}
	return ri.Delete(ctx, name, metav1.DeleteOptions{})
}

// Dynamic returns the admin dynamic client.
func (c *Client) Dynamic() dynamic.Interface { return c.dyn }

// BindClusterRole applies a ClusterRole given as YAML (renamed to roleName)
// and binds user to it with a ClusterRoleBinding of the same name. Applying
// the same roleName twice is an error.
func (c *Client) BindClusterRole(ctx context.Context, roleYAML []byte, roleName, user string) error {
	var role map[string]any
	if err := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(roleYAML), 4096).Decode(&role); err != nil {
		return err
	}
	u := &unstructured.Unstructured{Object: role}
	u.SetName(roleName)
	if err := c.Create(ctx, u); err != nil {
		return err
	}
	b := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1",
		"kind":       "ClusterRoleBinding",
		"metadata":   map[string]any{"name": roleName},
		"roleRef":    map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": roleName},
		"subjects":   []any{map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}},
	}}
	return c.Create(ctx, b)
}

// WithoutResource returns a ClusterRole's YAML without one resource: the
// line "      - NAME" of a block list.
func WithoutResource(roleYAML []byte, resource string) ([]byte, error) {
	line := "      - " + resource + "\n"
	if !bytes.Contains(roleYAML, []byte(line)) {
		return nil, fmt.Errorf("the role does not list %s on a line of its own", resource)
	}
	return bytes.Replace(roleYAML, []byte(line), nil, 1), nil
}
