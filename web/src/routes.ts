// Every page of the app: its path, its lazily loaded module and element, and whether it needs a user.
// A new page is one line here plus its module under src/pages/ (see web/README.md).
import type { RouteDef } from './lib/router';

export const ROUTES: readonly RouteDef[] = [
  { pattern: '/', tag: 'landing-page', title: 'GPUBroker · the live GPU market', load: () => import('./pages/landing-page') },
  { pattern: '/market', tag: 'market-page', title: 'Market · GPUBroker', load: () => import('./pages/market-page') },
  { pattern: '/providers', tag: 'providers-page', title: 'Providers · GPUBroker', load: () => import('./pages/providers-page') },
  { pattern: '/recommend', tag: 'recommend-page', title: 'Recommend · GPUBroker', load: () => import('./pages/recommend-page') },
  { pattern: '/gpus/:model', tag: 'gpu-page', title: 'GPU · GPUBroker', load: () => import('./pages/gpu-page') },
  { pattern: '/deploy/:offerId', tag: 'deploy-page', title: 'Deploy · GPUBroker', load: () => import('./pages/deploy-page'), auth: true },
  { pattern: '/deployments/:id', tag: 'deployment-page', title: 'Deployment · GPUBroker', load: () => import('./pages/deployment-page'), auth: true },
  { pattern: '/checkout/return', tag: 'checkout-return-page', title: 'Payment · GPUBroker', load: () => import('./pages/checkout-return-page'), auth: true },
  { pattern: '/admin/*', tag: 'admin-page', title: 'Admin · GPUBroker', load: () => import('./pages/admin/admin-page'), auth: true },
  { pattern: '/app/*', tag: 'dashboard-page', title: 'Dashboard · GPUBroker', load: () => import('./pages/app/dashboard-page'), auth: true },
  { pattern: '/login', tag: 'auth-page', title: 'Sign in · GPUBroker', load: () => import('./pages/auth-page') },
  { pattern: '/signup', tag: 'auth-page', title: 'Create an account · GPUBroker', load: () => import('./pages/auth-page') },
  { pattern: '/*', tag: 'not-found-page', title: 'Not found · GPUBroker', load: () => import('./pages/not-found-page') },
];
