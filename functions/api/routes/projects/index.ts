import type { ApiApp } from '../../app.js';
import * as createProject from './create-project.js';
import * as getProject from './get-project.js';
import * as listProjects from './list-projects.js';
import * as updateProject from './update-project.js';

export function registerProjectRoutes(app: ApiApp): void {
  createProject.register(app);
  listProjects.register(app);
  getProject.register(app);
  updateProject.register(app);
}
