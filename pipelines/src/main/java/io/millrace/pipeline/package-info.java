/**
 * The pipeline runner: one declarative file ({@code pipeline.yaml}, read by {@link
 * io.millrace.pipeline.PipelineYaml} onto {@link io.millrace.pipeline.PipelineDefinition}) and one
 * call ({@link io.millrace.pipeline.PipelineRunner#run}) that runs the whole DAG with lineage and
 * caching:
 *
 * <pre>
 * ingest -> statistics -> schema -> validation (gate) -> transform -> train -> evaluation -> push
 * </pre>
 *
 * <p>Under the pipeline's root:
 *
 * <pre>
 * ROOT/metadata.sqlite                       executions, artifacts, runs (io.millrace.metadata)
 * ROOT/artifacts/STAGE/KEY16/                each stage's output, KEY16 = 16 hex of its cache key
 *      ingest/KEY16/                         examples artifact (Avro per split, manifest.json)
 *      statistics/KEY16/                     statistics artifact (stats.pb per split, report.html)
 *      schema/KEY16/schema.pbtxt
 *      validation/KEY16/                     anomalies per split, report.html
 *      transform/KEY16/{transform,examples,statistics/pre,statistics/post}
 *      train/KEY16/{model,trials.json,trials/}
 *      evaluation/KEY16/{evaluation.json,report.html}
 * ROOT/registry/NAME/VERSION/                pushed models (unless registry.path says otherwise)
 * ROOT/runs/RUN/report.html                  one page per run linking the reports above
 * </pre>
 *
 * <p>A stage is skipped ("cached") when its {@link io.millrace.metadata.CacheKey} (stage name,
 * canonical stage config including the content of the files it names, {@link
 * io.millrace.pipeline.CodeVersion}, and the fingerprints of its inputs) matches the latest
 * COMPLETE execution whose outputs still exist; a RUNNING (interrupted) or FAILED execution is
 * never reused, and whatever a crashed attempt staged beside the output is deleted before the stage
 * runs again.
 */
package io.millrace.pipeline;
