// Names for the sandbox's seeded data that the end-to-end tests, the demo and the benchmarks
// use. Layer: test tooling. The values come from tests/sandbox/seed.mjs (the sandbox owns them);
// this file only gives them readable names.
import { NA, EU } from '../sandbox/seed.mjs';

export const DEMO = Object.freeze({
  portal: String(NA),
  euPortal: String(EU),
  rep: { userId: '1001', ownerId: '501', email: 'riley@acme-demo.test', name: 'Riley Rep' },
  contacts: Object.freeze({
    first: '201', // Ana Alvarez, Northwind Traders
    second: '202', // Ben Okafor, Contoso Ltd
    hostile: '237', // name and company hold HTML and script text
  }),
  contactUrl: (id, portal = String(NA), host = 'app.hubspot.com') => `https://${host}/contacts/${portal}/record/0-1/${id}`,
  legacyContactUrl: (id, portal = String(NA)) => `https://app.hubspot.com/contacts/${portal}/contact/${id}`,
  listUrl: (portal = String(NA)) => `https://app.hubspot.com/contacts/${portal}/objects/0-1/views/all/list`,
});
