//go:build tools

// Keeps helm's command package in this module's graph so `go mod tidy` does not drop it.
package tools

import _ "helm.sh/helm/v4/cmd/helm"
