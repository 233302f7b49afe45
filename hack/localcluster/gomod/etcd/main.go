// Command etcd is upstream etcd's server, built from its Go module because
// release downloads are not reachable here.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
