// HubSpot sandbox (tests layer): the seeded portals, users, owners, contacts, companies, tasks
// and lists. `demo` is the default; `large` adds ~1,000 open CALL tasks for the rep.
// All times are relative to `now` (server start or reset); ids are fixed so tests can name them.
// Returns plain data; store.mjs turns it into records with search versions and associations.

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
// "Later today" in the seed: offsets below this are kept within the current day (buildSeed).
const SOON = 6 * HOUR;

export const CLIENT = { clientId: 'spotdial-sandbox-client', clientSecret: 'sandbox-client-secret', appId: 4100001 };

export const NA = 62515;
export const EU = 26500001;

// §6 default call outcomes, then two custom ones only the NA portal has.
export const DEFAULT_DISPOSITIONS = [
  { id: '9d9162e7-6cf3-4944-bf63-4dff82258764', label: 'Busy' },
  { id: 'f240bbac-87c9-4f6e-bf70-924b57d47db7', label: 'Connected' },
  { id: 'a4c4c377-d246-4b32-a13b-75a56a4cd0ff', label: 'Left live message' },
  { id: 'b2cf5968-551e-4856-9783-52b3da59a7d0', label: 'Left voicemail' },
  { id: '73a0d17f-1163-4015-bdd5-ec830791da20', label: 'No answer' },
  { id: '17b47fee-58de-441e-a44c-c6300d46f273', label: 'Wrong number' },
];
const NA_CUSTOM_DISPOSITIONS = [
  { id: '5e2f7c1a-3b4d-4e8f-9a0b-1c2d3e4f5a6b', label: 'Meeting booked' },
  { id: '8a7b6c5d-4e3f-4a1b-8c9d-0e1f2a3b4c5d', label: 'Gatekeeper' },
];

const PORTALS = [
  { portalId: NA, name: 'Acme Demo', uiDomain: 'app.hubspot.com', hublet: 'na1', domain: 'acme-demo.test',
    timeZone: 'US/Eastern', currency: 'USD', accountType: 'STANDARD',
    dispositions: [...DEFAULT_DISPOSITIONS, ...NA_CUSTOM_DISPOSITIONS] },
  { portalId: EU, name: 'Berlin Demo GmbH', uiDomain: 'app-eu1.hubspot.com', hublet: 'eu1', domain: 'berlin-demo.test',
    timeZone: 'Europe/Berlin', currency: 'EUR', accountType: 'STANDARD', dispositions: [...DEFAULT_DISPOSITIONS] },
];

// A user belongs to portals; in each portal they have an owner id (owners are per portal).
const USERS = [
  { userId: 1001, email: 'riley@acme-demo.test', firstName: 'Riley', lastName: 'Rep', owners: { [NA]: 501 } },
  { userId: 1002, email: 'sam@acme-demo.test', firstName: 'Sam', lastName: 'Seller', owners: { [NA]: 502 } },
  { userId: 1003, email: 'morgan@acme-demo.test', firstName: 'Morgan', lastName: 'Manager', owners: { [NA]: 503, [EU]: 603 } },
  { userId: 2001, email: 'greta@berlin-demo.test', firstName: 'Greta', lastName: 'Geschäftsführerin', owners: { [EU]: 601 } },
  { userId: 2002, email: 'jonas@berlin-demo.test', firstName: 'Jonas', lastName: 'Vertrieb', owners: { [EU]: 602 } },
];

// firstname, lastname, company, jobtitle, country, city, hs_timezone, phone, mobilephone
const NA_CONTACTS = [
  ['Ana', 'Alvarez', 'Northwind Traders', 'VP Sales', 'United States', 'San Francisco', 'america_slash_los_angeles', '(415) 555-0132', '+1 415.555.0199 x204'],
  ['Ben', 'Okafor', 'Contoso Ltd', 'Head of Procurement', 'United States', 'New York', 'america_slash_new_york', '+1 212-555-0147', '646.555.0113'],
  ['Chloe', 'Nguyen', 'Fabrikam Inc', 'Operations Manager', 'United States', 'Chicago', 'america_slash_chicago', '312 555 0178 ext. 12', ''],
  ['Daniel', 'Weiss', 'Globex GmbH', 'Geschäftsführer', 'Germany', 'Berlin', 'europe_slash_berlin', '030 901820', '+49 151 23456789'],
  ['Emma', 'Thompson', 'Initech UK', 'Finance Director', 'United Kingdom', 'London', 'europe_slash_london', '020 7946 0958', '+44 7700 900123'],
  ['Farid', 'Haddad', 'Umbrella Corp', 'IT Manager', 'United States', 'Denver', 'america_slash_denver', '+1 (303) 555-0101', 'n/a'],
  ['Greta', 'Schmidt', 'Bavaria Tech AG', 'Einkaufsleiterin', 'Germany', 'Munich', 'europe_slash_berlin', '+49 (0)89 1234567', '0171 2345678'],
  ['Hugo', 'Martin', 'Société Exemple SA', 'Directeur commercial', 'France', 'Paris', 'europe_slash_paris', '01 23 45 67 89', '+33 6 12 34 56 78'],
  ['Isha', 'Patel', 'Tata Demo Pvt Ltd', 'Procurement Lead', 'India', 'Mumbai', 'asia_slash_kolkata', '+91 22 2345 6789', '+91 98765 43210'],
  ['João', 'Silva', 'Brasil Demo Ltda', 'Gerente de Compras', 'Brazil', 'São Paulo', 'america_slash_sao_paulo', '+55 11 91234-5678', '(11) 3456-7890'],
  ['Kate', 'Wilson', 'Outback Supplies Pty', 'Office Manager', 'Australia', 'Sydney', 'australia_slash_sydney', '(02) 9876 5432', '+61 412 345 678'],
  ['Kenji', 'Tanaka', 'Sakura Trading KK', 'Sales Manager', 'Japan', 'Tokyo', 'asia_slash_tokyo', '03-1234-5678', '+81 90-1234-5678'],
  ['Lucía', 'García', 'Ibérica Demo SL', 'Directora de Operaciones', 'Spain', 'Madrid', 'europe_slash_madrid', '+34 912 34 56 78', '612 34 56 78'],
  ['Mateo', 'Hernández', 'Azteca Demo SA de CV', 'Gerente General', 'Mexico', 'Mexico City', 'america_slash_mexico_city', '+52 55 1234 5678', '55 9876 5432'],
  ['Naledi', 'Dlamini', 'Cape Demo (Pty) Ltd', 'Buyer', 'South Africa', 'Cape Town', 'africa_slash_johannesburg', '+27 21 123 4567', '082 123 4567'],
  ['Daan', 'de Vries', 'Tulip Demo BV', 'Inkoper', 'Netherlands', 'Amsterdam', 'europe_slash_amsterdam', '020 123 4567', '+31 6 12345678'],
  ['Olivia', 'Brown', 'Wayne Enterprises', 'CFO', 'United States', 'New York', 'america_slash_new_york', '555', ''],
  ['Pedro', 'Costa', 'Contoso Ltd', 'Account Manager', 'United States', 'Boston', 'america_slash_new_york', '617-555-0134 ext 7', '617-555-0135'],
  ['Quinn', 'Murphy', 'Fabrikam Inc', 'Sales Engineer', 'United States', 'Austin', 'america_slash_chicago', '+1 512 555 0190', ''],
  ['Rosa', 'Klein', 'Globex GmbH', 'Vertriebsleiterin', 'Germany', 'Berlin', 'europe_slash_berlin', '+49 30 12345678', ''],
  ['Sven', 'Becker', 'Messe Demo GmbH', 'Messeleiter', 'Germany', 'Berlin', 'europe_slash_berlin', '030 2345 6789', '+49 160 9876543'],
  ['Tara', 'Singh', 'Northwind Traders', 'Account Executive', 'United States', 'Seattle', 'america_slash_los_angeles', '206.555.0161', '(206) 555-0162'],
  ['Umar', 'Farouk', 'Initech UK', 'Head of IT', 'United Kingdom', 'Manchester', 'europe_slash_london', '0161 496 0000', '07700 900456'],
  ['Vera', 'Ivanova', 'Umbrella Corp', 'Legal Counsel', 'United States', 'Miami', 'america_slash_new_york', '', '+1 305 555 0177'],
  ['Will', 'Chen', 'Wayne Enterprises', 'Director of Security', 'United States', 'Gotham', 'america_slash_new_york', 'n/a', ''],
  ['Xenia', 'Papadopoulos', 'Aegean Demo SA', 'Purchasing', 'Greece', 'Athens', 'europe_slash_berlin', '+30 21 0123 4567', ''],
  ['Yusuf', 'Demir', 'Bosporus Demo AS', 'Sales Director', 'Turkey', 'Istanbul', 'europe_slash_berlin', '+90 212 123 45 67', '+90 532 123 45 67'],
  ['Zoe', 'Adams', 'Fabrikam Inc', 'Product Manager', 'United States', 'Chicago', 'america_slash_chicago', '+1 (312) 555-0122 x3', ''],
  ['Aiden', 'Clarke', 'Contoso Ltd', 'Intern', 'United States', 'New York', 'america_slash_new_york', '   ', ''],
  ['Bianca', 'Rossi', 'Milano Demo Srl', 'Responsabile Acquisti', 'Italy', 'Milan', 'europe_slash_paris', '+39 02 1234 5678', '+39 347 123 4567'],
  ['Carlos', 'Mendoza', 'Azteca Demo SA de CV', 'Comprador', 'Mexico', 'Guadalajara', 'america_slash_mexico_city', '33 1234 5678', ''],
  ['Dana', 'Levi', 'Umbrella Corp', 'VP Engineering', 'United States', 'Denver', 'america_slash_denver', '+1-303-555-0199', '+1-303-555-0100'],
  ['Elif', 'Kaya', 'Messe Demo GmbH', 'Projektleiterin', 'Germany', 'Hamburg', 'europe_slash_berlin', '+49 40 123456-0', ''],
  ['Finn', 'Olsen', 'Nordic Demo AS', 'CEO', 'Norway', 'Oslo', 'europe_slash_berlin', '+47 22 12 34 56', '+47 912 34 567'],
  ['Grace', 'Kim', 'Northwind Traders', 'Buyer', 'United States', 'Los Angeles', 'america_slash_los_angeles', '(213) 555-0188', ''],
  ['Henry', 'Walsh', 'Initech UK', 'Procurement', 'Ireland', 'Dublin', 'europe_slash_london', '+353 1 234 5678', '+353 87 123 4567'],
  // The hostile contact: a record page or overlay that inserts these as HTML runs the script.
  ['<img src=x onerror=alert(1)>', 'Tester', '<script>alert(2)</script>', '"><svg onload=alert(3)>', 'United States', 'Nowhere', 'america_slash_new_york', '+1 (415) 555-0666', ''],
];

const EU_CONTACTS = [
  ['Lena', 'Fischer', 'Spree Software GmbH', 'CTO', 'Germany', 'Berlin', 'europe_slash_berlin', '+49 30 9876543', '+49 170 1234567'],
  ['Moritz', 'Wagner', 'Alster Logistik GmbH', 'Einkauf', 'Germany', 'Hamburg', 'europe_slash_berlin', '040 1234 5678', ''],
  ['Nina', 'Hofmann', 'Isar Consulting AG', 'Partnerin', 'Germany', 'Munich', 'europe_slash_berlin', '+49 (0)89 7654321', '0160 1112223'],
  ['Oskar', 'Bauer', 'Rhein Maschinenbau KG', 'Technischer Leiter', 'Germany', 'Cologne', 'europe_slash_berlin', '0221 123456', ''],
];

// Rep tasks: [key, subject, dueOffsetMs, priority, status, contactIndex, type, ownerId]
// Listed (and so numbered) out of due order on purpose: a client must sort by hs_timestamp.
const NA_TASKS = [
  ['t-next-week', 'Follow up on pricing', 6 * DAY, 'LOW', 'NOT_STARTED', 4, 'CALL', 501],
  ['t-today-1', 'Discovery call', 30 * MIN, 'HIGH', 'NOT_STARTED', 0, 'CALL', 501],
  ['t-overdue-2d', 'Call back about renewal', -2 * DAY, 'HIGH', 'NOT_STARTED', 1, 'CALL', 501],
  ['t-tomorrow-1', 'Check budget approval', 1 * DAY, 'MEDIUM', 'NOT_STARTED', 7, 'CALL', 501],
  ['t-overdue-1d', 'Intro call (missed)', -26 * HOUR, 'MEDIUM', 'WAITING', 3, 'CALL', 501],
  ['t-today-2', 'Demo follow-up', 90 * MIN, 'MEDIUM', 'NOT_STARTED', 4, 'CALL', 501],
  ['t-overdue-3h', 'Quick check-in', -3 * HOUR, 'LOW', 'NOT_STARTED', 36, 'CALL', 501],
  ['t-tomorrow-2', 'Contract questions', 1 * DAY + 2 * HOUR, 'HIGH', 'NOT_STARTED', 8, 'CALL', 501],
  ['t-next-week-2', 'Quarterly review call', 8 * DAY, 'MEDIUM', 'NOT_STARTED', 11, 'CALL', 501],
  ['t-today-3', 'Call from trade show lead', 3 * HOUR, 'LOW', 'WAITING', 20, 'CALL', 501],
  ['t-done-1', 'Old call (done)', -1 * DAY, 'HIGH', 'COMPLETED', 2, 'CALL', 501],
  ['t-done-2', 'Earlier call (done)', 2 * HOUR, 'LOW', 'COMPLETED', 5, 'CALL', 501],
  ['t-email', 'Send proposal', 1 * HOUR, 'HIGH', 'NOT_STARTED', 0, 'EMAIL', 501],
  ['t-todo', 'Update CRM notes', -1 * HOUR, 'MEDIUM', 'NOT_STARTED', 9, 'TODO', 501],
  ['t-sam-1', 'Sam: call about invoice', -1 * DAY, 'HIGH', 'NOT_STARTED', 12, 'CALL', 502],
  ['t-sam-2', 'Sam: intro call', 2 * HOUR, 'MEDIUM', 'NOT_STARTED', 13, 'CALL', 502],
  ['t-sam-3', 'Sam: follow-up', 2 * DAY, 'LOW', 'NOT_STARTED', 0, 'CALL', 502],
];

const EU_TASKS = [
  ['eu-today', 'Rückruf Angebot', 2 * HOUR, 'HIGH', 'NOT_STARTED', 0, 'CALL', 602],
  ['eu-overdue', 'Erstgespräch', -1 * DAY, 'MEDIUM', 'NOT_STARTED', 1, 'CALL', 602],
  ['eu-tomorrow', 'Vertragsfragen', 1 * DAY, 'LOW', 'NOT_STARTED', 2, 'CALL', 602],
];

function slug(s) {
  return s.normalize('NFD').replace(/[^\w]+/g, '').toLowerCase() || 'x';
}

function contactRecords(rows, firstId, domainOf) {
  return rows.map((r, i) => {
    const [firstname, lastname, company, jobtitle, country, city, tz, phone, mobilephone] = r;
    const id = String(firstId + i);
    return {
      id, firstname, lastname, company, jobtitle, country, city, hs_timezone: tz, phone, mobilephone,
      email: `${slug(firstname)}.${slug(lastname)}@${domainOf(company)}`,
      lifecyclestage: i % 3 === 0 ? 'salesqualifiedlead' : 'lead',
    };
  });
}

export function buildSeed(name, now) {
  if (name !== 'demo' && name !== 'large') throw new Error(`unknown seed ${name}`);
  const domainOf = (company) => `${slug(company).slice(0, 20)}.example`;
  const contacts = {
    [NA]: contactRecords(NA_CONTACTS, 201, domainOf),
    [EU]: contactRecords(EU_CONTACTS, 801, domainOf),
  };
  // A value only sensitive-scoped tokens may read.
  contacts[NA][0].hs_ssn_like = '078-05-1120';
  contacts[NA][3].hs_ssn_like = 'DE-12 345 678';
  // Owners of contacts: the rep owns most NA contacts.
  contacts[NA].forEach((c, i) => { c.hubspot_owner_id = i % 4 === 3 ? '502' : '501'; });
  contacts[EU].forEach((c) => { c.hubspot_owner_id = '602'; });

  const companies = {};
  let companyId = 3001;
  for (const portal of [NA, EU]) {
    const byName = new Map();
    for (const c of contacts[portal]) {
      if (!byName.has(c.company)) {
        byName.set(c.company, { id: String(companyId++), name: c.company, domain: domainOf(c.company), city: c.city, country: c.country });
      }
      c.companyId = byName.get(c.company).id;
    }
    companies[portal] = [...byName.values()];
  }

  // Tasks due within hours are due today, whenever the tests run: the queue lists tasks due by
  // the end of the rep's day, and at 23:30 a task due "in 30 min" would be tomorrow's and leave
  // it. Near midnight those offsets shrink into what is left of the day, in the same order.
  // (Local time: the sandbox runs on the browser's machine.)
  const endOfToday = new Date(now).setHours(23, 59, 59, 0);
  const room = endOfToday - now;
  const today = (due) => (due > 0 && due < SOON && room < SOON ? Math.max(1000, Math.floor((due * room) / SOON)) : due);
  let taskId = 70001;
  const mkTasks = (rows, portal) => rows.map(([key, subject, due, priority, status, ci, type, owner]) => ({
    id: String(taskId++), key, hs_task_subject: subject, hs_timestamp: now + today(due), hs_task_priority: priority,
    hs_task_status: status, hs_task_type: type, hubspot_owner_id: String(owner),
    hs_task_body: `<p>${subject}</p>`, contactId: contacts[portal][ci].id,
    ...(status === 'COMPLETED' ? { hs_task_completion_date: now - HOUR } : {}),
  }));
  const tasks = { [NA]: mkTasks(NA_TASKS, NA), [EU]: mkTasks(EU_TASKS, EU) };
  if (name === 'large') {
    const prios = ['LOW', 'MEDIUM', 'HIGH'];
    for (let i = 0; i < 1000; i++) {
      // Deterministic spread from 5 days overdue to 25 days ahead, minute resolution.
      const due = now - 5 * DAY + ((i * 7919) % (30 * 24 * 60)) * MIN;
      const contact = contacts[NA][(i * 13) % (contacts[NA].length - 1)];
      tasks[NA].push({
        id: String(taskId++), key: `large-${i}`, hs_task_subject: `Bulk call ${i + 1}`, hs_timestamp: due,
        hs_task_priority: prios[i % 3], hs_task_status: i % 10 === 0 ? 'WAITING' : 'NOT_STARTED', hs_task_type: 'CALL',
        hubspot_owner_id: '501', hs_task_body: '', contactId: contact.id,
      });
    }
  }

  const lists = {
    [NA]: [
      { listId: '11', name: 'Hot leads', processingType: 'MANUAL',
        members: [contacts[NA][0], contacts[NA][4], contacts[NA][7], contacts[NA][1], contacts[NA][10], contacts[NA][36]].map((c) => c.id) },
      { listId: '12', name: 'Berlin trade show', processingType: 'DYNAMIC',
        // DYNAMIC: membership is computed from the contacts at read time (city = Berlin).
        filter: { propertyName: 'city', value: 'Berlin' } },
    ],
    [EU]: [],
  };

  return {
    now, name, client: CLIENT, portals: PORTALS.map((p) => ({ ...p })), users: USERS.map((u) => ({ ...u })),
    contacts, companies, tasks, lists,
  };
}
