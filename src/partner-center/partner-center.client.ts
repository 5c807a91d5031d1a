import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { failureFromResponse } from './errors/failure-from-response';
import { PartnerCenterError } from './errors/partner-center-error';
import { TransportError } from '../common/http/https-exchange';
import { PARTNER_CENTER_OPTIONS, PartnerCenterOptions } from './partner-center.options';
import { PipelineRequest, SendRequest } from './pipeline/pipeline';
import { DeadlineExceededError } from './pipeline/retry.policy';
import { parseSpendingBudget, PartnerCenterSpendingBudget } from './spending-budget';
import { isGuid } from '../common/guid';

export const PARTNER_CENTER_PIPELINE = Symbol('PARTNER_CENTER_PIPELINE');

/** Typed access to Partner Center's customer usage-budget operations. Every failure is a PartnerCenterError. */
@Injectable()
export class PartnerCenterClient {
  constructor(
    @Inject(PARTNER_CENTER_PIPELINE) private readonly send: SendRequest,
    @Inject(PARTNER_CENTER_OPTIONS) private readonly options: PartnerCenterOptions,
  ) {}

  /**
   * GET /v1/customers/{customer-tenant-id}/usagebudget. `requestId` is the call's MS-RequestId (a new one when
   * not given): the same value on every retry.
   */
  getUsageBudget(customerId: string, requestId?: string): Promise<PartnerCenterSpendingBudget> {
    return this.call('GET', customerId, requestId);
  }

  /** PATCH /v1/customers/{customer-tenant-id}/usagebudget, in the body shape Partner Center documents. */
  updateUsageBudget(
    customerId: string,
    amount: number,
    requestId?: string,
  ): Promise<PartnerCenterSpendingBudget> {
    return this.call(
      'PATCH',
      customerId,
      requestId,
      JSON.stringify({ Amount: amount, Attributes: { ObjectType: 'SpendingBudget' } }),
    );
  }

  private async call(
    method: PipelineRequest['method'],
    customerId: string,
    requestId: string = randomUUID(),
    body?: string,
  ): Promise<PartnerCenterSpendingBudget> {
    // The inbound side validates too; this guard keeps anything but a GUID out of the upstream path.
    if (!isGuid(customerId)) throw new TypeError('customerId must be a GUID');
    if (!isGuid(requestId)) throw new TypeError('MS-RequestId must be a GUID');
    const request: PipelineRequest = {
      method,
      url: `${this.options.baseUrl}/v1/customers/${customerId.toLowerCase()}/usagebudget`,
      requestId,
      headers: {},
      body,
      state: {},
    };
    let response;
    try {
      response = await this.send(request);
    } catch (error) {
      throw noAnswer(error, requestId);
    }
    if (response.status < 200 || response.status > 299) throw failureFromResponse(response, requestId);
    let parsed: unknown;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      parsed = undefined;
    }
    return parseSpendingBudget(parsed, requestId);
  }
}

function noAnswer(error: unknown, requestId: string | undefined): Error {
  if (error instanceof PartnerCenterError) return error;
  if (error instanceof DeadlineExceededError) {
    return new PartnerCenterError({
      kind: 'timeout',
      source: 'partner-center',
      status: error.lastStatus,
      requestId,
      attempts: error.attempts,
    });
  }
  if (error instanceof TransportError) {
    return new PartnerCenterError({
      kind: error.reason === 'aborted' ? 'timeout' : 'unavailable',
      source: 'partner-center',
      code: error.causeCode,
      requestId,
      attempts: error.attempts,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}
