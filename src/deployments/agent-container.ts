// Production home of the pod agent: a Cloudflare Container running workers/agent/Dockerfile, reached
// through this Durable Object class (binding AGENT). It sleeps after 15 idle minutes; the cron's
// reconcile pass asks it about every live deployment each minute, so it stays up while pods run.
// Locally and in tests the agent is a Node process at AGENT_URL instead (no Docker there).
import { Container } from '@cloudflare/containers';
import type { Bindings } from '../env';

export class AgentContainer extends Container<Bindings> {
  override defaultPort = 8788;
  override sleepAfter = '15m';

  constructor(ctx: DurableObjectState<{}>, env: Bindings) {
    super(ctx, env);
    const pass = (name: string) => (typeof env[name] === 'string' ? { [name]: env[name] as string } : {});
    this.envVars = {
      AGENT_SECRET: env.AGENT_SECRET ?? '',
      AGENT_PORT: '8788',
      HOST: '0.0.0.0',
      SIM_ENABLED: 'false',
      ...pass('RUNPOD_API_KEY'),
      ...pass('VASTAI_API_KEY'),
      ...pass('LAMBDA_API_KEY'),
      ...pass('LAMBDA_SSH_KEY_NAME'),
    };
  }
}
