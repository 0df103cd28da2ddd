// The MedMNIST2D registry: the twelve 2D subsets, their tasks, classes, split sizes, official
// file names, MD5s and URLs. Values are those of medmnist/info.py in github.com/MedMNIST/MedMNIST
// (v3.0.2; the Organ{A,C,S} 'v2' releases from v2.1.0). Plain data, no I/O: the Node side reads it
// to download and verify, the loader to validate a file's content.
import { UnknownDatasetError, UnknownSizeError } from './errors.ts';

export type MedMnistTask = 'binary-class' | 'multi-class' | 'ordinal-regression' | 'multi-label, binary-class';
export type SplitName = 'train' | 'val' | 'test';
export const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];
/** Image side lengths in pixels: 28 is MedMNIST v2; 64/128/224 are MedMNIST+ (v3). */
export type MedMnistSizePx = 28 | 64 | 128 | 224;
export const SIZES_PX: readonly MedMnistSizePx[] = [28, 64, 128, 224];

export interface SplitSizes {
  readonly train: number;
  readonly val: number;
  readonly test: number;
}

/** One published version of a subset: its split sizes and the MD5 of its file at each size. */
export interface MedMnistRelease {
  /** 'v3' is what the official URLs serve today; 'v2' only exists for Organ{A,C,S} (see note). */
  readonly id: 'v3' | 'v2';
  readonly note: string;
  readonly splits: SplitSizes;
  readonly md5: Partial<Record<MedMnistSizePx, string>>;
}

export interface MedMnistInfo {
  readonly name: string;
  readonly task: MedMnistTask;
  readonly channels: 1 | 3;
  /** Class names by label index (for ChestMNIST: the 14 labels of the multi-hot vector). */
  readonly classNames: readonly string[];
  readonly license: string;
  /** Newest first; the first one is what `download` fetches. */
  readonly releases: readonly MedMnistRelease[];
}

// The releases' notes, shared by the subsets they apply to.
const UNCHANGED_SINCE_V2 = 'MedMNIST v2 and v3 (Zenodo 10519652); the 28x28 file is unchanged since v2';
const V3_CLEANED = 'medmnist >= 2.2.4 and v3 (Zenodo 10519652), after a few blank samples were removed';
const V2_AS_IN_THE_PAPER = 'MedMNIST v2 as in the paper, up to medmnist 2.2.3 (Zenodo 6496656), before blank samples were removed';
/** OrganAMNIST, OrganCMNIST and OrganSMNIST: one set of 11 organs, three views. */
const ORGAN_CLASSES = ['bladder', 'femur-left', 'femur-right', 'heart', 'kidney-left', 'kidney-right', 'liver', 'lung-left', 'lung-right', 'pancreas', 'spleen'];

/** Zenodo record of MedMNIST v3 (supersedes 6496656 and 5208230). */
export const ZENODO_RECORD = '10519652';

export const MEDMNIST: Readonly<Record<string, MedMnistInfo>> = {
  pathmnist: {
    name: 'pathmnist',
    task: 'multi-class',
    channels: 3,
    classNames: ['adipose', 'background', 'debris', 'lymphocytes', 'mucus', 'smooth muscle', 'normal colon mucosa', 'cancer-associated stroma', 'colorectal adenocarcinoma epithelium'],
    license: 'CC BY 4.0',
    releases: [
      {
        id: 'v3',
        note: UNCHANGED_SINCE_V2,
        splits: { train: 89996, val: 10004, test: 7180 },
        md5: { 28: 'a8b06965200029087d5bd730944a56c1', 64: '55aa9c1e0525abe5a6b9d8343a507616', 128: 'ac42d08fb904d92c244187169d1fd1d9', 224: '2c51a510bcdc9cf8ddb2af93af1eadec' },
      },
    ],
  },
  chestmnist: {
    name: 'chestmnist',
    task: 'multi-label, binary-class',
    channels: 1,
    classNames: ['atelectasis', 'cardiomegaly', 'effusion', 'infiltration', 'mass', 'nodule', 'pneumonia', 'pneumothorax', 'consolidation', 'edema', 'emphysema', 'fibrosis', 'pleural', 'hernia'],
    license: 'CC BY 4.0',
    releases: [
      {
        id: 'v3',
        note: UNCHANGED_SINCE_V2,
        splits: { train: 78468, val: 11219, test: 22433 },
        md5: { 28: '02c8a6516a18b556561a56cbdd36c4a8', 64: '9de6cd0b934ebb5b7426cfba5efbae16', 128: 'db107e5590b27930b62dbaf558aebee3', 224: '45bd33e6f06c3e8cdb481c74a89152aa' },
      },
    ],
  },
  dermamnist: {
    name: 'dermamnist',
    task: 'multi-class',
    channels: 3,
    classNames: ['actinic keratoses and intraepithelial carcinoma', 'basal cell carcinoma', 'benign keratosis-like lesions', 'dermatofibroma', 'melanoma', 'melanocytic nevi', 'vascular lesions'],
    license: 'CC BY-NC 4.0',
    releases: [
      {
        id: 'v3',
        note: UNCHANGED_SINCE_V2,
        splits: { train: 7007, val: 1003, test: 2005 },
        md5: { 28: '0744692d530f8e62ec473284d019b0c7', 64: 'b70a2f5635c6199aeaa28c31d7202e1f', 128: '2defd784463fa5243564e855ed717de1', 224: '8974907d8e169bef5f5b96bc506ae45d' },
      },
    ],
  },
  octmnist: {
    name: 'octmnist',
    task: 'multi-class',
    channels: 1,
    classNames: ['choroidal neovascularization', 'diabetic macular edema', 'drusen', 'normal'],
    license: 'CC BY 4.0',
    releases: [
      {
        id: 'v3',
        note: UNCHANGED_SINCE_V2,
        splits: { train: 97477, val: 10832, test: 1000 },
        md5: { 28: 'c68d92d5b585d8d81f7112f81e2d0842', 64: 'e229e9440236b774d9f0dfef9d07bdaf', 128: '0a97e76651ace45c5d943ee3f65b63ae', 224: 'abc493b6d529d5de7569faaef2773ba3' },
      },
    ],
  },
  pneumoniamnist: {
    name: 'pneumoniamnist',
    task: 'binary-class',
    channels: 1,
    classNames: ['normal', 'pneumonia'],
    license: 'CC BY 4.0',
    releases: [
      {
        id: 'v3',
        note: UNCHANGED_SINCE_V2,
        splits: { train: 4708, val: 524, test: 624 },
        md5: { 28: '28209eda62fecd6e6a2d98b1501bb15f', 64: '8f4eceb4ccffa70c672198ea285246c6', 128: '05b46931834c231683c68f40c47b2971', 224: 'd6a3c71de1b945ea11211b03746c1fe1' },
      },
    ],
  },
  retinamnist: {
    name: 'retinamnist',
    task: 'ordinal-regression',
    channels: 3,
    classNames: ['0', '1', '2', '3', '4'],
    license: 'CC BY 4.0',
    releases: [
      {
        id: 'v3',
        note: UNCHANGED_SINCE_V2,
        splits: { train: 1080, val: 120, test: 400 },
        md5: { 28: 'bd4c0672f1bba3e3a89f0e4e876791e4', 64: 'afda852cc34dcda56f86ad2b2457dbcc', 128: 'e48e916a24454daf90583d4e6efb1a18', 224: 'eae7e3b6f3fcbda4ae613ebdcbe35348' },
      },
    ],
  },
  breastmnist: {
    name: 'breastmnist',
    task: 'binary-class',
    channels: 1,
    classNames: ['malignant', 'normal, benign'],
    license: 'CC BY 4.0',
    releases: [
      {
        id: 'v3',
        note: UNCHANGED_SINCE_V2,
        splits: { train: 546, val: 78, test: 156 },
        md5: { 28: '750601b1f35ba3300ea97c75c52ff8f6', 64: '742edef2a1fd1524b2efff4bd7ba9364', 128: '363e4b3f8d712e9b5de15470a2aaadf1', 224: 'b56378a6eefa9fed602bb16d192d4c8b' },
      },
    ],
  },
  bloodmnist: {
    name: 'bloodmnist',
    task: 'multi-class',
    channels: 3,
    classNames: ['basophil', 'eosinophil', 'erythroblast', 'immature granulocytes(myelocytes, metamyelocytes and promyelocytes)', 'lymphocyte', 'monocyte', 'neutrophil', 'platelet'],
    license: 'CC BY 4.0',
    releases: [
      {
        id: 'v3',
        note: UNCHANGED_SINCE_V2,
        splits: { train: 11959, val: 1712, test: 3421 },
        md5: { 28: '7053d0359d879ad8a5505303e11de1dc', 64: '2b94928a2ae4916078ca51e05b6b800b', 128: 'adace1e0ed228fccda1f39692059dd4c', 224: 'b718ff6835fcbdb22ba9eacccd7b2601' },
      },
    ],
  },
  tissuemnist: {
    name: 'tissuemnist',
    task: 'multi-class',
    channels: 1,
    classNames: ['Collecting Duct, Connecting Tubule', 'Distal Convoluted Tubule', 'Glomerular endothelial cells', 'Interstitial endothelial cells', 'Leukocytes', 'Podocytes', 'Proximal Tubule Segments', 'Thick Ascending Limb'],
    license: 'CC BY 4.0',
    releases: [
      {
        id: 'v3',
        note: UNCHANGED_SINCE_V2,
        splits: { train: 165466, val: 23640, test: 47280 },
        md5: { 28: 'ebe78ee8b05294063de985d821c1c34b', 64: '123ece2eba09d0aa5d698fda57103344', 128: '61b955355d7425a89687b06cca3ce0c2', 224: 'b077128c4a949f0a4eb01517f9037b9c' },
      },
    ],
  },
  organamnist: {
    name: 'organamnist',
    task: 'multi-class',
    channels: 1,
    classNames: ORGAN_CLASSES,
    license: 'CC BY 4.0',
    releases: [
      {
        id: 'v3',
        note: V3_CLEANED,
        splits: { train: 34561, val: 6491, test: 17778 },
        md5: { 28: '68e3f8846a6bd62f0c9bf841c0d9eacc', 64: '2dcccc29b88e6da5a01161ef20cda288', 128: 'eeae80d0a227a8d099027e1b3cfd3b60', 224: '50747347e05c87dd3aaf92c49f9f3170' },
      },
      {
        id: 'v2',
        note: V2_AS_IN_THE_PAPER,
        splits: { train: 34581, val: 6491, test: 17778 },
        md5: { 28: '866b832ed4eeba67bfb9edee1d5544e6' },
      },
    ],
  },
  organcmnist: {
    name: 'organcmnist',
    task: 'multi-class',
    channels: 1,
    classNames: ORGAN_CLASSES,
    license: 'CC BY 4.0',
    releases: [
      {
        id: 'v3',
        note: V3_CLEANED,
        splits: { train: 12975, val: 2392, test: 8216 },
        md5: { 28: 'b9ceb9546e10131b32923c5bbeaea2b1', 64: '3ce34a8724ea6f548e6db4744d03b6a9', 128: '773c1f009daa3fe5d9a2a201b2a7ed94', 224: '050f5e875dc056f6768abf94ec9995d1' },
      },
      {
        id: 'v2',
        note: V2_AS_IN_THE_PAPER,
        splits: { train: 13000, val: 2392, test: 8268 },
        md5: { 28: '0afa5834fb105f7705a7d93372119a21' },
      },
    ],
  },
  organsmnist: {
    name: 'organsmnist',
    task: 'multi-class',
    channels: 1,
    classNames: ORGAN_CLASSES,
    license: 'CC BY 4.0',
    releases: [
      {
        id: 'v3',
        note: V3_CLEANED,
        splits: { train: 13932, val: 2452, test: 8827 },
        md5: { 28: '9ab87b696fb54e2a387ebe992d6ed5f1', 64: '53a6d115339d874c25e309a994ff46d3', 128: 'ded0c5fa01a95dc4978b956f613e9b8e', 224: 'b354719e553fbbb2513d5533f52a4cb1' },
      },
      {
        id: 'v2',
        note: V2_AS_IN_THE_PAPER,
        splits: { train: 13940, val: 2452, test: 8829 },
        md5: { 28: 'e5c39f1af030238290b9557d9503af9d' },
      },
    ],
  },
};

/** The registry's subset names, in the official order. */
export const MEDMNIST_NAMES: readonly string[] = Object.keys(MEDMNIST);

/** Finds a subset by name; 'pneumonia', 'PneumoniaMNIST' and 'pneumoniamnist' all work. */
export function getMedMnistInfo(name: string): MedMnistInfo {
  const key = name.toLowerCase().replace(/mnist$/, '') + 'mnist';
  const info = MEDMNIST[key];
  if (!info) throw new UnknownDatasetError(name, MEDMNIST_NAMES);
  return info;
}

/** The official file name: 'pneumoniamnist.npz' at 28, 'pneumoniamnist_64.npz' at 64. */
export function medMnistFileName(name: string, sizePx: number = 28): string {
  const info = getMedMnistInfo(name);
  checkSize(info, sizePx);
  return sizePx === 28 ? `${info.name}.npz` : `${info.name}_${sizePx}.npz`;
}

/** The official download URL (Zenodo), or `${baseUrl}/${fileName}` for a mirror or a test server. */
export function medMnistUrl(name: string, sizePx: number = 28, baseUrl?: string): string {
  const file = medMnistFileName(name, sizePx);
  if (baseUrl) return `${baseUrl.replace(/\/+$/, '')}/${file}`;
  return `https://zenodo.org/records/${ZENODO_RECORD}/files/${file}?download=1`;
}

/** The MD5 that `download` expects (the current release's). */
export function medMnistMd5(name: string, sizePx: number = 28): string {
  const info = getMedMnistInfo(name);
  checkSize(info, sizePx);
  return info.releases[0].md5[sizePx as MedMnistSizePx]!;
}

/** Which release a file with this MD5 is, or null when it is none of them. */
export function releaseByMd5(name: string, sizePx: number, md5: string): MedMnistRelease | null {
  const info = getMedMnistInfo(name);
  return info.releases.find((r) => r.md5[sizePx as MedMnistSizePx] === md5.toLowerCase()) ?? null;
}

/** Which release has these split sizes, or null (a modified or unofficial file). */
export function releaseBySplits(name: string, sizes: SplitSizes): MedMnistRelease | null {
  const info = getMedMnistInfo(name);
  return info.releases.find((r) => r.splits.train === sizes.train && r.splits.val === sizes.val && r.splits.test === sizes.test) ?? null;
}

function checkSize(info: MedMnistInfo, sizePx: number): void {
  if (!SIZES_PX.includes(sizePx as MedMnistSizePx)) throw new UnknownSizeError(info.name, sizePx, SIZES_PX);
}
