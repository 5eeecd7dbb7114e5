// helm is built straight from its module's cmd/helm package (see build.sh).
module sluice.test/helm

go 1.26.0

require helm.sh/helm/v4 v4.3.1
