export { TemplatesModule } from './templates.module';
export type { TemplatesModuleOptions } from './templates.module';
export type { TemplateDb } from './template.tables';
export { templateMigrations } from './migrations';
