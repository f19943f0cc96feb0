// The export command: turns a sweep into a batch job for a cluster, one
// task per shard, so that a study too large for one machine runs on many.
//
//	ccbench export slurm FILE --shards N   a Slurm job array (sbatch)
//	ccbench export k8s FILE --shards N     a Kubernetes Indexed Job
//
// Each task i runs ccbench run FILE --shard i/N: Slurm numbers array tasks
// in $SLURM_ARRAY_TASK_ID, Kubernetes numbers the pods of an Indexed Job
// in $JOB_COMPLETION_INDEX, both from 0, which is how --shard counts. All
// tasks write into one shared --out folder with --resume, so a task the
// scheduler retries skips the points it finished; ccbench merge then writes
// the index page.

package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/ccbench/ccbench/experiment"
)

func init() {
	subcommands = append(subcommands, newExportCmd)
}

// exportJob is what the job templates are filled with.
type exportJob struct {
	// Name is the experiment's name; JobName the scheduler's name for the
	// job, made of what both schedulers accept.
	Name, JobName string
	// File is the experiment file as the tasks will open it.
	File string
	// Points is how many points the sweep has, Shards how many tasks
	// share them.
	Points, Shards int
	// Out is the results folder all tasks share.
	Out string
	// Ccbench is the command that runs ccbench on the cluster.
	Ccbench string
	// CPUs is how many cores a task asks for; it runs that many points at
	// once.
	CPUs int
	// Image and PVC are the container image and the results volume claim
	// (Kubernetes only).
	Image, PVC string
}

func (j exportJob) Last() int { return j.Shards - 1 }

func newExportCmd(stdout io.Writer) *cobra.Command {
	var (
		job     exportJob
		image   string
		pvc     string
		outFlag string
	)
	cmd := &cobra.Command{
		Use:   "export slurm|k8s EXPERIMENT.toml --shards N",
		Short: "Write a cluster batch job that runs a sweep as N shards",
		Long: `Write to stdout a batch job that runs the sweep in EXPERIMENT.toml as N
shards in parallel, task i running ccbench run EXPERIMENT.toml --shard i/N:

  slurm  a Slurm job array script (#SBATCH --array=0-(N-1)), for sbatch
  k8s    a Kubernetes Indexed Job manifest, for kubectl apply -f

All tasks write into one --out folder that every node must share (for k8s,
the volume claim --pvc mounted at --out). When every task is done,
ccbench merge OUT OUT writes the sweep's index page.`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 2 || (args[0] != "slurm" && args[0] != "k8s") {
				return fmt.Errorf("export takes a format, slurm or k8s, and one experiment file, got %q", args)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			format, file := args[0], args[1]
			sw, err := experiment.LoadSweep(file, nil)
			if err != nil {
				return err
			}
			if !sw.IsSweep() {
				return fmt.Errorf("%s has no [sweep] or repetitions, so it is one run; run it with ccbench run", file)
			}
			if !cmd.Flags().Changed("shards") {
				return fmt.Errorf("--shards: required: how many tasks share the %d points", len(sw.Points))
			}
			if job.Shards < 1 || job.Shards > len(sw.Points) {
				return fmt.Errorf("--shards: %d is not allowed: must be from 1 to the sweep's %d points", job.Shards, len(sw.Points))
			}
			if job.CPUs < 1 {
				return fmt.Errorf("--cpus: %d is not allowed: must be at least 1", job.CPUs)
			}
			job.Name, job.JobName, job.File, job.Points = sw.Name, jobName(sw.Name), file, len(sw.Points)
			job.Out = outFlag
			if format == "slurm" {
				if job.Out == "" {
					job.Out = "results"
				}
				return slurmTemplate.Execute(stdout, job)
			}
			if job.Out == "" {
				job.Out = "/results"
			}
			if !path.IsAbs(job.Out) {
				return fmt.Errorf("--out: %q is not allowed for k8s: must be an absolute path, where the results volume is mounted", job.Out)
			}
			job.Image, job.PVC = image, pvc
			return k8sTemplate.Execute(stdout, job)
		},
	}
	f := cmd.Flags()
	f.IntVar(&job.Shards, "shards", 0, "how many tasks the sweep's points are dealt to")
	f.StringVar(&outFlag, "out", "", `results folder shared by all tasks (default "results"; k8s: "/results")`)
	f.StringVar(&job.Ccbench, "ccbench", "ccbench", "the ccbench command on the cluster's nodes or in the image")
	f.IntVar(&job.CPUs, "cpus", 4, "cores per task; each task runs that many points at once")
	f.StringVar(&image, "image", "ccbench:latest", "k8s: container image holding ccbench and the experiment file")
	f.StringVar(&pvc, "pvc", "ccbench-results", "k8s: persistent volume claim mounted at --out")
	return cmd
}

// jobName makes a name both schedulers accept (a Kubernetes DNS-1123
// label: lower-case letters, digits and '-', at most 63 characters).
func jobName(experiment string) string {
	b := []byte("ccbench-" + strings.ToLower(experiment))
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			b[i] = '-'
		}
	}
	return strings.TrimRight(string(b[:min(len(b), 63)]), "-")
}

// shellQuote quotes s for a POSIX shell unless it is made only of
// characters that need no quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./=:,+-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// yamlQuote writes s as a double-quoted YAML scalar: JSON's string escapes
// are a subset of YAML's.
func yamlQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

var slurmTemplate = template.Must(template.New("slurm").Funcs(template.FuncMap{"sh": shellQuote}).Parse(`#!/bin/bash
# Sweep {{.Name}}: {{.Points}} points as a job array of {{.Shards}} tasks; task i runs
# the points k with k mod {{.Shards}} = i (ccbench run --shard i/{{.Shards}}).
# Written by ccbench export slurm; submit with sbatch.
#
# Every task writes into {{sh .Out}}, which must be on a file system all nodes
# share. When every task has finished (or in a job submitted with
# --dependency=afterok:<this job's id>), write the index page with
#   {{sh .Ccbench}} merge {{sh .Out}} {{sh .Out}}
#SBATCH --job-name={{.JobName}}
#SBATCH --array=0-{{.Last}}
#SBATCH --cpus-per-task={{.CPUs}}
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail
# --resume: a requeued task skips the points it already finished.
exec {{sh .Ccbench}} run {{sh .File}} --shard "${SLURM_ARRAY_TASK_ID}/{{.Shards}}" --out {{sh .Out}} --jobs "${SLURM_CPUS_PER_TASK:-{{.CPUs}}}" --resume
`))

// The pod with completion index i reads it from JOB_COMPLETION_INDEX, which
// the Job controller sets in every container; $(VAR) in a command is
// expanded by the kubelet from the container's environment, so the image
// needs no shell.
var k8sTemplate = template.Must(template.New("k8s").Funcs(template.FuncMap{"q": yamlQuote}).Parse(`# Sweep {{.Name}}: {{.Points}} points as an Indexed Job of {{.Shards}} pods; the pod with
# completion index i runs the points k with k mod {{.Shards}} = i (ccbench run --shard i/{{.Shards}}).
# Written by ccbench export k8s; apply with kubectl apply -f.
#
# The image must hold ccbench and {{.File}}. Results go to the volume claim
# {{.PVC}}, mounted at {{.Out}}; when the job is complete, write the index page
# with "ccbench merge {{.Out}} {{.Out}}" in a pod that mounts the same claim.
apiVersion: batch/v1
kind: Job
metadata:
  name: {{.JobName}}
  labels:
    app.kubernetes.io/name: ccbench
spec:
  completionMode: Indexed
  completions: {{.Shards}}
  parallelism: {{.Shards}}
  backoffLimit: {{.Shards}}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ccbench
    spec:
      restartPolicy: Never
      containers:
        - name: ccbench
          image: {{q .Image}}
          command:
            - {{q .Ccbench}}
            - run
            - {{q .File}}
            - --shard
            - "$(JOB_COMPLETION_INDEX)/{{.Shards}}"
            - --out
            - {{q .Out}}
            - --jobs
            - "{{.CPUs}}"
            - --resume
          resources:
            requests:
              cpu: "{{.CPUs}}"
          volumeMounts:
            - name: results
              mountPath: {{q .Out}}
      volumes:
        - name: results
          persistentVolumeClaim:
            claimName: {{q .PVC}}
`))
