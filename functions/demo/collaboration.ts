import { createApiClient, dataOrThrow, type ApiClient } from '../../gateway/src/cloud/api-client.js';

/** Names and wording of the demo's organizations and project. */
export const CENTRE_NAME = 'Centre de lutte contre le cancer (demo)';
export const PARTNER_NAME = 'Breast cancer research lab (demo)';
export const PROJECT_NAME = 'Risk of relapse after localised breast cancer';
const PARTNERSHIP_PURPOSE = 'Federated survival and diagnostic modelling of breast cancer cohorts, aggregates only';

/** Length of the demo partnership, in days: about two years from today. */
const PARTNERSHIP_DAYS = 730;

/** The callers of the study, each with its own API key and role. */
export interface Collaboration {
  centreId: string;
  partnerId: string;
  partnershipId: string;
  projectId: string;
  /** Owner of the cancer centre: creates gateways and accepts the partnership. */
  centreOwner: ApiClient;
  /** The centre's data officer: approves dataset links and model specs. */
  dataOfficer: ApiClient;
  /** The partner's data scientist: requests links, defines models, launches jobs. */
  scientist: ApiClient;
}

/**
 * Sets up the collaboration through the API as its people would. The operator creates the cancer
 * centre and the research partner, and each owner creates the role keys. The partner proposes a
 * partnership with a purpose and an end date, the centre accepts, and the partner's data scientist
 * creates the project.
 */
export async function setUpCollaboration(baseUrl: string, operatorToken: string): Promise<Collaboration> {
  const operator = createApiClient({ baseUrl, token: operatorToken });
  const centre = dataOrThrow(await operator.POST('/v1/organizations', { body: { name: CENTRE_NAME, kind: 'hospital' } }));
  const partner = dataOrThrow(await operator.POST('/v1/organizations', { body: { name: PARTNER_NAME, kind: 'research_lab' } }));

  const centreOwner = createApiClient({ baseUrl, token: centre.ownerKey.secret });
  const partnerOwner = createApiClient({ baseUrl, token: partner.ownerKey.secret });
  const officerKey = dataOrThrow(await centreOwner.POST('/v1/api-keys', { body: { name: 'Data officer', role: 'data_officer' } }));
  const scientistKey = dataOrThrow(await partnerOwner.POST('/v1/api-keys', { body: { name: 'Data scientist', role: 'data_scientist' } }));
  const dataOfficer = createApiClient({ baseUrl, token: officerKey.secret });
  const scientist = createApiClient({ baseUrl, token: scientistKey.secret });

  const endsOn = new Date(Date.now() + PARTNERSHIP_DAYS * 86_400_000).toISOString().slice(0, 10);
  const partnership = dataOrThrow(
    await partnerOwner.POST('/v1/partnerships', {
      body: { purpose: PARTNERSHIP_PURPOSE, endsOn, invitedOrganizationIds: [centre.organization.id] },
    }),
  );
  dataOrThrow(await centreOwner.POST('/v1/partnerships/{partnershipId}/accept', { params: { path: { partnershipId: partnership.id } } }));

  const project = dataOrThrow(
    await scientist.POST('/v1/partnerships/{partnershipId}/projects', {
      params: { path: { partnershipId: partnership.id } },
      body: { name: PROJECT_NAME, description: 'Relapse-free survival after node-positive localised breast cancer (GBSG2) and diagnosis from fine-needle aspirates (WDBC).' },
    }),
  );

  return {
    centreId: centre.organization.id,
    partnerId: partner.organization.id,
    partnershipId: partnership.id,
    projectId: project.id,
    centreOwner,
    dataOfficer,
    scientist,
  };
}
