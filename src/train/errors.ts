// Typed errors of training and evaluation. Each message names what is wrong (the epoch and step of
// a non-finite loss, the dataset and network sizes that disagree) and says what to do, so the CLI
// prints it as it is.

/** Base class: anything training or evaluation throws on purpose. */
export class TrainError extends Error {
  override name = 'TrainError';
}

/** The loss became NaN or infinite: training stops, the last good model file stays as it was. */
export class NonFiniteLossError extends TrainError {
  override name = 'NonFiniteLossError';
  constructor(
    /** 0-based epoch and step within it, as progress reports them. */
    readonly epoch: number,
    readonly step: number,
    readonly loss: number,
    advice: string,
  ) {
    super(`the training loss is ${loss} at epoch ${epoch + 1}, step ${step + 1}: training stopped. ${advice}`);
  }
}

/** A dataset that does not fit the network or the model file (channels, classes, task, content). */
export class DatasetMismatchError extends TrainError {
  override name = 'DatasetMismatchError';
}

/** Metrics that are undefined for the given labels (e.g. AUC when a class has no samples). */
export class MetricError extends TrainError {
  override name = 'MetricError';
}

/** A training setting out of range (epochs, learning rate, batch size, ...). */
export class TrainConfigError extends TrainError {
  override name = 'TrainConfigError';
}

/** A model file that does not record what predicting needs (a file from before model file version 3) and no data to take it from. */
export class MissingNormalizationError extends TrainError {
  override name = 'MissingNormalizationError';
}
