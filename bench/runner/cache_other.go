//go:build !(linux && (amd64 || arm64))

package main

import (
	"errors"
	"os"
)

var errNoCacheControl = errors.New("page-cache control (fadvise, mincore) is wired only for linux/amd64 and linux/arm64")

func fadviseDontNeed(*os.File) error { return errNoCacheControl }

func resident(string) (float64, error) { return 0, errNoCacheControl }
