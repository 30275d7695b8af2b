package teststack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
)

// stack is shared by the package's tests: one moto per package.
var stack *Stack

func TestMain(m *testing.M) {
	s, err := Start(context.Background(), Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "teststack:", err)
		if errors.Is(err, ErrMotoNotFound) && os.Getenv("CI") == "" {
			os.Exit(0)
		}
		os.Exit(1)
	}
	stack = s
	code := m.Run()
	if err := stack.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "teststack: stop:", err)
	}
	os.Exit(code)
}

func TestStarted(t *testing.T) {
	t.Logf("%+v", stack)
}
