// What a network needs to know about a dataset before any file is read: its name, task, image
// channels and number of outputs. One lookup for the embedded synthetic set and every MedMNIST
// subset, shared by `arch`, `train` and `search`.
import { UnknownDatasetError } from './errors.ts';
import { getMedMnistInfo, MEDMNIST_NAMES, type MedMnistTask } from './registry.ts';
import { LESION_CLASSES, LESION_DATASET_NAMES, lesionSizeOf } from './lesions.ts';
import { SYNTHETIC_CLASSES, SYNTHETIC_NAME } from './synthetic.ts';

export interface DatasetShape {
  /** Canonical name: 'synthetic' or the MedMNIST subset's ('pneumoniamnist'). */
  readonly name: string;
  readonly task: MedMnistTask;
  readonly inChannels: number;
  /** Classes (or, for the multi-label ChestMNIST, labels): the classifier's outputs. */
  readonly numClasses: number;
}

/** Looks a dataset up by name; an unknown name throws UnknownDatasetError listing the known ones. */
export function datasetShape(name: string): DatasetShape {
  if (name.toLowerCase() === SYNTHETIC_NAME) {
    return { name: SYNTHETIC_NAME, task: 'multi-class', inChannels: 1, numClasses: SYNTHETIC_CLASSES.length };
  }
  const lesions = lesionSizeOf(name);
  if (lesions !== null) return { name: `lesions-${lesions}`, task: 'binary-class', inChannels: 1, numClasses: LESION_CLASSES.length };
  let info;
  try {
    info = getMedMnistInfo(name);
  } catch (e) {
    // The built-in set is a valid answer wherever a shape is asked for: list it too.
    if (e instanceof UnknownDatasetError) throw new UnknownDatasetError(name, [SYNTHETIC_NAME, ...LESION_DATASET_NAMES, ...MEDMNIST_NAMES]);
    throw e;
  }
  return { name: info.name, task: info.task, inChannels: info.channels, numClasses: info.classNames.length };
}
