/** A customer's usage spending budget as the use case hands it to both adapters. */
export interface CustomerBudget {
  /** The customer tenant id (a GUID); Partner Center's resource does not name it, the request does. */
  customerId: string;
  /** null: the customer has no budget. */
  amount: number | null;
  /** Partner Center's usageSpendingBudget figure, when it reports one. */
  usageSpendingBudget: number | null;
}
