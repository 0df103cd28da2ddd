// The MedNAS paper's own figures (MSTF-NAS, IEEE TEVC 2024, Fig 4/5: test ACC / AUC), quoted beside a
// reproduction of the same subset so a user sees how far this harness is from them. They are the
// paper's published numbers, not results of mednas; docs/RESULTS.md cites them the same way.

/** One row of the paper's table: what it reports for a method on a subset. */
export interface PublishedFigure {
  /** The paper's name for the method. */
  readonly label: string;
  readonly acc: number;
  readonly auc: number;
}

const PUBLISHED: Readonly<Record<string, readonly PublishedFigure[]>> = {
  breastmnist: [
    { label: 'MSTF-NAS', acc: 0.872, auc: 0.93 },
    { label: 'ResNet-18 (28)', acc: 0.863, auc: 0.901 },
    { label: 'random search', acc: 0.897, auc: 0.921 },
  ],
  pneumoniamnist: [
    { label: 'MSTF-NAS', acc: 0.912, auc: 0.963 },
    { label: 'ResNet-18 (28)', acc: 0.854, auc: 0.944 },
    { label: 'random search', acc: 0.904, auc: 0.963 },
  ],
  retinamnist: [
    { label: 'MSTF-NAS', acc: 0.55, auc: 0.755 },
    { label: 'ResNet-18 (28)', acc: 0.524, auc: 0.717 },
    { label: 'random search', acc: 0.542, auc: 0.75 },
  ],
};

/** The paper's figures for a MedMNIST subset (by its registry name), or [] for any other dataset. */
export function publishedFigures(dataset: string): readonly PublishedFigure[] {
  return PUBLISHED[dataset] ?? [];
}
