// etcd 3.6 for the test stack (Debian's 3.4 is too old for current watches).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
