// Command envparity audits whether staging is a faithful mirror of production.
package main

import "os"

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}
