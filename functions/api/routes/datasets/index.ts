import type { ApiApp } from '../../app.js';
import * as getDataset from './get-dataset.js';
import * as listDatasets from './list-datasets.js';
import * as registerDataset from './register-dataset.js';
import * as updateDataset from './update-dataset.js';

export function registerDatasetRoutes(app: ApiApp): void {
  registerDataset.register(app);
  updateDataset.register(app);
  listDatasets.register(app);
  getDataset.register(app);
}
