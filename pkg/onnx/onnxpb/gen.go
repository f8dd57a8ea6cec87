// Package onnxpb holds Go types for the subset of the ONNX model format
// (onnx.proto beside this file) that toongan's exporter writes, generated
// by protoc 3.21.12 (Debian's protobuf-compiler) and protoc-gen-go v1.36.12
// (go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12):
// run `go generate ./pkg/onnx/onnxpb` with both on PATH.
package onnxpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative onnx.proto
