package main

import (
	"github.com/urfave/cli/v2"

	"github.com/layerflow/layerflow/analysis"
	"github.com/layerflow/layerflow/flow"
)

func portraitCommand() *cli.Command { return &cli.Command{Name: "portrait", Hidden: true} }
func plotRun(ctx *cli.Context, obj flow.Objective, trs []*flow.Trajectory, lr float64, ph analysis.Phase) error {
	return nil
}
