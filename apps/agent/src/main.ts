import { agentService } from '@cairn/site-agent';
import { runService } from '@cairn/service-kit';

void runService(agentService);
