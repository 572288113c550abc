// HubSpot sandbox (tests layer): property definitions for contacts, companies, tasks and calls,
// and the /crm/properties/2026-03 routes (§10). The store validates writes and search filters
// against these definitions, so an unknown property or enum value fails like it does on HubSpot.
import { notFound, validation } from './errors.mjs';

const T0 = '2019-08-06T02:43:14.491Z';

function def(name, label, type, fieldType, groupName, extra = {}) {
  return {
    name, label, type, fieldType, groupName, description: extra.description ?? '',
    options: extra.options ?? [], displayOrder: extra.displayOrder ?? -1,
    calculated: extra.calculated ?? false, externalOptions: false, hasUniqueValue: extra.unique ?? false,
    hidden: false, hubspotDefined: extra.custom ? undefined : true, formField: extra.formField ?? false,
    dataSensitivity: extra.sensitivity ?? 'non_sensitive',
    ...(extra.sensitivity && extra.sensitivity !== 'non_sensitive' ? { sensitiveDataCategories: ['OTHER'] } : {}),
    ...(extra.hint ? { textDisplayHint: extra.hint } : {}),
    modificationMetadata: { archivable: !!extra.custom, readOnlyDefinition: !extra.custom, readOnlyValue: !!extra.readOnly },
    createdAt: T0, updatedAt: T0, archived: false,
  };
}

const opts = (pairs) => pairs.map(([value, label], i) => ({ label, value, displayOrder: i, hidden: false }));

const base = (prefix) => [
  def('hs_object_id', 'Record ID', 'number', 'number', prefix, { readOnly: true, calculated: false }),
];

const contact = [
  ...base('contactinformation'),
  def('createdate', 'Create Date', 'datetime', 'date', 'contactinformation', { readOnly: true }),
  def('lastmodifieddate', 'Last Modified Date', 'datetime', 'date', 'contactinformation', { readOnly: true }),
  def('firstname', 'First Name', 'string', 'text', 'contactinformation', { formField: true }),
  def('lastname', 'Last Name', 'string', 'text', 'contactinformation', { formField: true }),
  def('email', 'Email', 'string', 'text', 'contactinformation', { formField: true }),
  def('phone', 'Phone Number', 'string', 'phonenumber', 'contactinformation', { hint: 'phone_number', formField: true }),
  def('mobilephone', 'Mobile Phone Number', 'string', 'phonenumber', 'contactinformation', { hint: 'phone_number' }),
  def('fax', 'Fax Number', 'string', 'phonenumber', 'contactinformation', { hint: 'phone_number' }),
  def('hs_whatsapp_phone_number', 'WhatsApp Phone Number', 'string', 'phonenumber', 'contactinformation', { hint: 'phone_number' }),
  def('jobtitle', 'Job Title', 'string', 'text', 'contactinformation'),
  def('company', 'Company Name', 'string', 'text', 'contactinformation'),
  def('city', 'City', 'string', 'text', 'contactinformation'),
  def('country', 'Country/Region', 'string', 'text', 'contactinformation'),
  def('hs_timezone', 'Time Zone', 'enumeration', 'select', 'contactinformation', {
    options: opts([['america_slash_los_angeles', 'America/Los Angeles'], ['america_slash_new_york', 'America/New York'],
      ['america_slash_chicago', 'America/Chicago'], ['america_slash_denver', 'America/Denver'],
      ['america_slash_mexico_city', 'America/Mexico City'], ['america_slash_sao_paulo', 'America/Sao Paulo'],
      ['europe_slash_london', 'Europe/London'], ['europe_slash_berlin', 'Europe/Berlin'], ['europe_slash_paris', 'Europe/Paris'],
      ['europe_slash_madrid', 'Europe/Madrid'], ['europe_slash_amsterdam', 'Europe/Amsterdam'], ['africa_slash_johannesburg', 'Africa/Johannesburg'],
      ['asia_slash_kolkata', 'Asia/Kolkata'], ['asia_slash_tokyo', 'Asia/Tokyo'], ['australia_slash_sydney', 'Australia/Sydney']]),
  }),
  def('lifecyclestage', 'Lifecycle Stage', 'enumeration', 'radio', 'contactinformation', {
    options: opts([['subscriber', 'Subscriber'], ['lead', 'Lead'], ['marketingqualifiedlead', 'Marketing Qualified Lead'],
      ['salesqualifiedlead', 'Sales Qualified Lead'], ['opportunity', 'Opportunity'], ['customer', 'Customer']]),
  }),
  def('hubspot_owner_id', 'Contact owner', 'enumeration', 'select', 'contactinformation'),
  def('hs_pinned_engagement_id', 'Pinned Engagement ID', 'number', 'number', 'contactinformation'),
  // A seeded sensitive property: only tokens with a contacts sensitive scope see its value,
  // and the properties list shows it only when dataSensitivity=sensitive is asked for (§2, §10).
  def('hs_ssn_like', 'National ID (demo)', 'string', 'text', 'contactinformation', { sensitivity: 'sensitive', custom: true }),
];

const company = [
  ...base('companyinformation'),
  def('createdate', 'Create Date', 'datetime', 'date', 'companyinformation', { readOnly: true }),
  def('hs_lastmodifieddate', 'Last Modified Date', 'datetime', 'date', 'companyinformation', { readOnly: true }),
  def('name', 'Company name', 'string', 'text', 'companyinformation'),
  def('domain', 'Company Domain Name', 'string', 'text', 'companyinformation'),
  def('phone', 'Phone Number', 'string', 'phonenumber', 'companyinformation', { hint: 'phone_number' }),
  def('city', 'City', 'string', 'text', 'companyinformation'),
  def('country', 'Country/Region', 'string', 'text', 'companyinformation'),
];

const engagementBase = (group) => [
  ...base(group),
  def('hs_createdate', 'Created at', 'datetime', 'date', group, { readOnly: true }),
  def('hs_lastmodifieddate', 'Last modified date', 'datetime', 'date', group, { readOnly: true }),
  def('hs_timestamp', 'Activity date', 'datetime', 'date', group),
  def('hubspot_owner_id', 'Activity assigned to', 'enumeration', 'select', group),
];

// §5: HubSpot's docs list NOT_STARTED and COMPLETED but use WAITING in an example; portals
// commonly also have IN_PROGRESS and DEFERRED. We expose all five as options.
const task = [
  ...engagementBase('task'),
  def('hs_task_subject', 'Task Title', 'string', 'text', 'task'),
  def('hs_task_body', 'Notes', 'string', 'html', 'task'),
  def('hs_task_status', 'Task Status', 'enumeration', 'select', 'task', {
    options: opts([['NOT_STARTED', 'Not started'], ['IN_PROGRESS', 'In progress'], ['WAITING', 'Waiting'],
      ['DEFERRED', 'Deferred'], ['COMPLETED', 'Completed']]),
  }),
  def('hs_task_priority', 'Priority', 'enumeration', 'select', 'task', {
    options: opts([['NONE', 'None'], ['LOW', 'Low'], ['MEDIUM', 'Medium'], ['HIGH', 'High']]),
  }),
  def('hs_task_type', 'Task Type', 'enumeration', 'select', 'task', {
    options: opts([['CALL', 'Call'], ['EMAIL', 'Email'], ['TODO', 'To-do'], ['LINKED_IN', 'LinkedIn']]),
  }),
  def('hs_task_reminders', 'Reminder', 'string', 'text', 'task'),
  def('hs_task_completion_date', 'Completed at', 'datetime', 'date', 'task', { readOnly: true }),
  def('hs_queue_membership_ids', 'Queue', 'enumeration', 'checkbox', 'task'),
  def('hs_body_preview', 'Body preview', 'string', 'text', 'task', { readOnly: true, calculated: true }),
];

const call = [
  ...engagementBase('call'),
  def('hs_call_title', 'Call Title', 'string', 'text', 'call'),
  def('hs_call_body', 'Call notes', 'string', 'html', 'call'),
  def('hs_call_duration', 'Call duration', 'number', 'number', 'call'),
  def('hs_call_from_number', 'From number', 'string', 'text', 'call'),
  def('hs_call_to_number', 'To number', 'string', 'text', 'call'),
  def('hs_call_status', 'Call status', 'enumeration', 'select', 'call', {
    options: opts(['BUSY', 'CALLING_CRM_USER', 'CANCELED', 'COMPLETED', 'CONNECTING', 'FAILED', 'IN_PROGRESS',
      'NO_ANSWER', 'QUEUED', 'RINGING', 'MISSED'].map((v) => [v, v.charAt(0) + v.slice(1).toLowerCase().replace(/_/g, ' ')])),
  }),
  def('hs_call_direction', 'Call direction', 'enumeration', 'select', 'call', {
    options: opts([['INBOUND', 'Inbound'], ['OUTBOUND', 'Outbound']]),
  }),
  def('hs_call_disposition', 'Call outcome', 'string', 'text', 'call'),
  def('hs_call_external_id', 'External ID', 'string', 'text', 'call'),
  def('hs_call_external_account_id', 'External account ID', 'string', 'text', 'call'),
  def('hs_call_app_id', 'App ID', 'number', 'number', 'call'),
  def('hs_call_source', 'Call source', 'enumeration', 'select', 'call', {
    options: opts([['INTEGRATIONS_PLATFORM', 'Integrations platform'], ['CALLING_WIDGET', 'Calling widget']]),
  }),
  def('hs_call_callee_object_id', 'Callee object id', 'number', 'number', 'call'),
  // §17.9: the 2026-03 guide says hs_call_callee_object_type, the older one ..._type_id. Accept both.
  def('hs_call_callee_object_type', 'Callee object type', 'enumeration', 'select', 'call', {
    options: opts([['CONTACT', 'Contact'], ['COMPANY', 'Company']]),
  }),
  def('hs_call_callee_object_type_id', 'Callee object type id', 'string', 'text', 'call'),
  def('hs_call_recording_url', 'Recording URL', 'string', 'text', 'call'),
  def('hs_call_has_voicemail', 'Has voicemail', 'bool', 'booleancheckbox', 'call', {
    options: opts([['true', 'Yes'], ['false', 'No']]),
  }),
  def('hs_activity_type', 'Call and meeting type', 'enumeration', 'select', 'call', {
    options: opts([['Prospecting call', 'Prospecting call'], ['Follow-up', 'Follow-up']]),
  }),
  def('hs_attachment_ids', 'Attachment IDs', 'enumeration', 'checkbox', 'call'),
];

export const OBJECT_TYPES = {
  contacts: { name: 'contacts', singular: 'contact', typeId: '0-1', label: 'CONTACT', props: contact,
    defaults: ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'],
    always: ['createdate', 'hs_object_id', 'lastmodifieddate'] },
  companies: { name: 'companies', singular: 'company', typeId: '0-2', label: 'COMPANY', props: company,
    defaults: ['createdate', 'domain', 'hs_lastmodifieddate', 'hs_object_id', 'name'],
    always: ['createdate', 'hs_lastmodifieddate', 'hs_object_id'] },
  tasks: { name: 'tasks', singular: 'task', typeId: '0-27', label: 'TASK', props: task,
    defaults: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    always: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'] },
  calls: { name: 'calls', singular: 'call', typeId: '0-48', label: 'CALL', props: call,
    defaults: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'],
    always: ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'] },
};
for (const t of Object.values(OBJECT_TYPES)) t.byName = new Map(t.props.map((p) => [p.name, p]));

// objectType path segments HubSpot accepts: plural name, singular name or type id (§3).
export function objectTypeOf(segment) {
  const s = String(segment || '').toLowerCase();
  for (const t of Object.values(OBJECT_TYPES)) {
    if (s === t.name || s === t.singular || s === t.typeId) return t;
  }
  return null;
}

export function isSensitive(p) {
  return p.dataSensitivity && p.dataSensitivity !== 'non_sensitive';
}

export function canSeeSensitive(scopes) {
  return scopes.some((s) => /\.sensitive\.read/.test(s) || /\.highly_sensitive\.read/.test(s));
}

const READ_SCOPES = ['crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.objects.owners.read',
  'crm.schemas.contacts.read', 'crm.objects.companies.read', 'crm.schemas.companies.read', 'crm.objects.tasks.read',
  'crm.schemas.tasks.read', 'crm.objects.calls.read', 'crm.schemas.calls.read', 'automation',
  'crm.objects.contacts.sensitive.read.v2'];

// GET /crm/properties/2026-03/{objectType}[/{name}]
export function propertiesRoute(ctx, rest) {
  const needed = ctx.requireAnyScope(READ_SCOPES);
  if (needed) return needed;
  const t = objectTypeOf(rest[0]);
  if (!t) return validation(`Unable to infer object type from: ${rest[0]}`);
  if (rest.length === 1) {
    const want = ctx.query.get('dataSensitivity') || 'non_sensitive';
    if (!['non_sensitive', 'sensitive', 'highly_sensitive'].includes(want)) {
      return validation(`Invalid dataSensitivity: ${want}`);
    }
    const results = t.props.filter((p) => (p.dataSensitivity || 'non_sensitive') === want);
    return { status: 200, body: { results } };
  }
  if (rest.length === 2) {
    const p = t.byName.get(rest[1]);
    if (!p) return notFound(`Unable to find property ${rest[1]} for object type ${t.typeId}`);
    return { status: 200, body: p };
  }
  return null;
}
