// crd-validator checks IngestJob's CRD and objects with the apiserver's own code
// (k8s.io/apiextensions-apiserver), so tests can prove that crds/ingestjob.yaml is accepted
// by `kubectl apply` (structural schema, CEL compilation, CEL cost budget) and that the CEL
// rules behave under cel-go as they do under the local validator.
//
//	crd-validator CRD.yaml               -> "CRD valid", or the apiserver's errors (exit 1)
//	crd-validator CRD.yaml OBJ.json...   -> one JSON line per object: {"file", "errors": [{path, type, detail}]}
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/install"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	crdvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"
)

type objectError struct {
	Path   string `json:"path"`
	Type   string `json:"type"`
	Detail string `json:"detail"`
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: crd-validator CRD.yaml [OBJECT.json...]")
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("%v", err)
	}
	scheme := runtime.NewScheme()
	install.Install(scheme)
	v1 := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(data, v1); err != nil {
		fmt.Println("decode:", err)
		os.Exit(1)
	}
	scheme.Default(v1)
	crd := &apiextensions.CustomResourceDefinition{}
	if err := scheme.Convert(v1, crd, nil); err != nil {
		fail("convert: %v", err)
	}
	if errs := crdvalidation.ValidateCustomResourceDefinition(context.Background(), crd); len(errs) > 0 {
		for _, e := range errs {
			fmt.Println(e.Error())
		}
		os.Exit(1)
	}
	if len(os.Args) == 2 {
		fmt.Println("CRD valid")
		return
	}

	// The internal version hoists a schema shared by all versions to spec.validation.
	validation := crd.Spec.Validation
	if crd.Spec.Versions[0].Schema != nil {
		validation = crd.Spec.Versions[0].Schema
	}
	openAPI := validation.OpenAPIV3Schema
	structural, err := structuralschema.NewStructural(openAPI)
	if err != nil {
		fail("structural: %v", err)
	}
	schemaValidator, _, err := apiservervalidation.NewSchemaValidator(openAPI)
	if err != nil {
		fail("validator: %v", err)
	}
	celValidator := cel.NewValidator(structural, true, celconfig.PerCallLimit)

	for _, file := range os.Args[2:] {
		raw, err := os.ReadFile(file)
		if err != nil {
			fail("%v", err)
		}
		var obj map[string]interface{}
		// The apiserver's decoder: integral numbers become int64, as CEL's int expects.
		if err := utiljson.Unmarshal(raw, &obj); err != nil {
			fail("%s: %v", file, err)
		}
		// As customResourceStrategy.Validate on create: prune unknown fields, check the schema
		// and list invariants, then run the CEL rules unless an error blocks them.
		pruning.Prune(obj, structural, true)
		errs := apiservervalidation.ValidateCustomResource(nil, obj, schemaValidator)
		errs = append(errs, listtype.ValidateListSetsAndMaps(nil, structural, obj)...)
		if blocked(errs) {
			errs = append(errs, field.Invalid(nil, nil, "some validation rules were not checked because the object was invalid"))
		} else {
			celErrs, _ := celValidator.Validate(context.Background(), nil, structural, obj, nil, celconfig.RuntimeCELCostBudget)
			errs = append(errs, celErrs...)
		}
		out := []objectError{}
		for _, e := range errs {
			out = append(out, objectError{Path: e.Field, Type: string(e.Type), Detail: e.Detail})
		}
		line, _ := json.Marshal(map[string]interface{}{"file": file, "errors": out})
		fmt.Println(string(line))
	}
}

// blocked mirrors hasBlockingErr in k8s.io/apiextensions-apiserver/pkg/registry/customresource.
func blocked(errs field.ErrorList) bool {
	for _, err := range errs {
		switch err.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong, field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return true
		}
	}
	return false
}
