export { sitesBinding } from './sites-binding';
export type { SitesApiOptions } from './sites-binding';
export { askSite, boundedSite, listSites, readSiteStatus, toPbSite } from './site-status';
export type { SiteAnswer, StatusRequester } from './site-status';
export { MAX_SITE_STATUS_BYTES, MAX_SITES, SITE_STATUS_TIMEOUT_MS, sitesSettings, sitesToList } from './sites-settings';
