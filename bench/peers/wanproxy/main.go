// Command wanproxy puts a simulated WAN in front of a TCP endpoint, for
// make bench's WAN row: toxiproxy (v2.5.0, in this process) with a latency
// each way and a bandwidth limit per connection each way. The kernel here
// has no netem qdisc; toxiproxy is how the tests simulate a WAN too.
//
//	wanproxy -upstream 127.0.0.1:PORT -latency 25ms -rate 5000 -port-file F
//
// It writes the port it listens on (loopback) to F and runs until SIGTERM
// or SIGINT.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

func main() {
	upstream := flag.String("upstream", "", "host:port to forward to")
	latency := flag.Duration("latency", 25*time.Millisecond, "added latency, each way")
	rate := flag.Int("rate", 5000, "bandwidth per connection, each way, in KB/s (toxiproxy's unit: 1000 bytes)")
	portFile := flag.String("port-file", "", "write the listening port here")
	flag.Parse()
	if *upstream == "" || *portFile == "" {
		log.Fatal("usage: wanproxy -upstream HOST:PORT -port-file FILE [-latency 25ms] [-rate 5000]")
	}
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, "wan", "127.0.0.1:0", *upstream)
	if err := p.Start(); err != nil {
		log.Fatal(err)
	}
	for _, stream := range []string{"upstream", "downstream"} {
		for _, tx := range []string{
			fmt.Sprintf(`{"name":"latency_%s","type":"latency","stream":%q,"attributes":{"latency":%d}}`, stream, stream, latency.Milliseconds()),
			fmt.Sprintf(`{"name":"bandwidth_%s","type":"bandwidth","stream":%q,"attributes":{"rate":%d}}`, stream, stream, *rate),
		} {
			if _, err := p.Toxics.AddToxicJson(strings.NewReader(tx)); err != nil {
				log.Fatalf("adding %s: %v", tx, err)
			}
		}
	}
	_, port, _ := net.SplitHostPort(p.Listen)
	if _, err := strconv.Atoi(port); err != nil {
		log.Fatalf("listening on %q", p.Listen)
	}
	if err := os.WriteFile(*portFile, []byte(port), 0o644); err != nil {
		log.Fatal(err)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	p.Stop()
}
